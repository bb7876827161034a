"""The courier's webhooks (Standard Webhooks v1): which of its events the third party's
own system hears of across the office's boundary, and the dispatchers that deliver them.

- `handover.ready`: a letter is signed and its whole manifest known; the data is the
  manifest of the courier feed (no NIK, document numbers masked), once per letter;
- `handover.accepted`: the courier took the handover;
- `return.received`: the office has its returned document back.

A person's data erased (`PersonalDataErased`) is erased from the messages not sent yet as
well; what the third party already received is out of the office's reach.

Messages are made by the courier's consumer (`consumers`), from the log, before its commit
(as the feed's entries are): an event handled again makes no second message, since a
message's id is derived from its endpoint and the event."""

from collections.abc import Callable
from datetime import datetime
from typing import Any

import orjson
from pydantic import BaseModel
from sqlmodel.ext.asyncio.session import AsyncSession

from services.courier.config import Context
from services.courier.projections import CourierDossier, CourierLetter
from shared.events import Envelope, HandoverAccepted, PersonalDataErased, ReturnReceived
from shared.privacy import ERASED
from shared.service import Worker
from shared.webhooks.dispatcher import Dispatcher
from shared.webhooks.office import OfficeWebhooks
from shared.webhooks.sender import now_ms
from shared.wib import as_utc


def office_webhooks(context: Context) -> dict[str, OfficeWebhooks]:
    return {
        office: OfficeWebhooks.of(context.redis, context.keys_for(office), context.master_key)
        for office in context.offices
    }


def dispatchers(context: Context) -> list[Worker]:
    """One dispatcher per office served, in every process of the service."""
    policy = context.settings.webhook_policy()
    targets = context.settings.webhook_targets()
    return [
        Dispatcher(webhooks.outbox, webhooks.endpoints, webhooks.notices, policy, targets)
        for webhooks in office_webhooks(context).values()
    ]


def _timestamp(at: datetime) -> str:
    return as_utc(at).isoformat().replace("+00:00", "Z")


def payload(event_type: str, at: datetime, data: dict[str, Any]) -> bytes:
    """The body of a webhook: `type`, `timestamp` and `data`, as JSON."""
    return orjson.dumps({"type": event_type, "timestamp": _timestamp(at), "data": data})


class Announcer:
    """Makes the webhook messages of one office's events."""

    def __init__(self, webhooks: OfficeWebhooks) -> None:
        self.webhooks = webhooks

    async def _enqueue(self, event_type: str, key: str, at: datetime, data: dict[str, Any]) -> int:
        endpoints = await self.webhooks.endpoints.all()
        if not any(endpoint.wants(event_type) for endpoint in endpoints):
            return 0
        body = payload(event_type, at, data)
        return await self.webhooks.outbox.enqueue(endpoints, event_type, key, body, now_ms())

    async def handover_ready(self, event: Envelope, manifest: BaseModel) -> int:
        """Once per letter, whichever event completed its manifest."""
        data = manifest.model_dump(mode="json")
        return await self._enqueue(
            "handover.ready", f"handover.ready:{data['letter_id']}", event.occurred_at, data
        )

    async def announce(self, session: AsyncSession, event: Envelope) -> int:
        """The message of a courier event the third party hears of, if it is one."""
        match event.data:
            case HandoverAccepted() as accepted:
                letter = await session.get(CourierLetter, (event.office, str(accepted.letter_id)))
                data: dict[str, Any] = {
                    "letter_id": str(accepted.letter_id),
                    "letter_number": letter.letter_number if letter else "",
                    "recap_id": str(accepted.recap_id),
                    "dossier_ids": [str(dossier_id) for dossier_id in accepted.dossier_ids],
                    "accepted_at": _timestamp(event.occurred_at),
                }
                return await self._enqueue(
                    "handover.accepted", str(event.event_id), event.occurred_at, data
                )
            case ReturnReceived() as received:
                dossier = await session.get(
                    CourierDossier, (event.office, str(received.dossier_id))
                )
                data = {
                    "dossier_id": str(received.dossier_id),
                    "letter_id": str(received.letter_id),
                    "document_type": dossier.document_type if dossier else None,
                    "received_at": _timestamp(event.occurred_at),
                }
                return await self._enqueue(
                    "return.received", str(event.event_id), event.occurred_at, data
                )
            case PersonalDataErased() as erased:
                return await self.webhooks.outbox.rewrite_unsent(erasing(str(erased.dossier_id)))
        return 0


PERSONAL = ("name", "address", "phone", "document_number")


def erasing(dossier_id: str) -> Callable[[bytes], bytes | None]:
    """A body with the person's data of `dossier_id` read as erased (None: not in it)."""

    def rewrite(body: bytes) -> bytes | None:
        payload = orjson.loads(body)
        documents = payload.get("data", {}).get("documents", [])
        found = [d for d in documents if d.get("dossier_id") == dossier_id]
        for document in found:
            document.update(dict.fromkeys(PERSONAL, ERASED))
        return orjson.dumps(payload) if found else None

    return rewrite
