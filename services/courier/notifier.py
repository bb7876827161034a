"""The notifier port and its two adapters, chosen by `JASA_NOTIFIER`: `file` writes each
message as a JSON line (development and the demo show what would be sent) and `http` posts
it to a generic SMS/WhatsApp gateway.

A send either succeeds or raises `NotSent`; the outbox (`services.courier.notifications`)
tries again later. Neither adapter logs a message: it holds a phone number and, out for
delivery, the receipt code."""

import asyncio
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import httpx

from services.courier.config import CourierSettings, NotifierKind

HTTP_TIMEOUT_S = 10.0


@dataclass(frozen=True, slots=True)
class Message:
    message_id: str  # the event's id: the same on every try, so a gateway can drop a repeat
    to: str  # E.164
    kind: str  # registered, out_for_delivery, delivered, returned
    text: str  # in Bahasa Indonesia, ready to send as an SMS
    params: dict[str, str] = field(default_factory=dict)  # the text's parts, for templates
    dossier_id: str = ""  # kept in the file (development, the demo), not sent to a gateway


class NotSent(Exception):
    """The message did not reach the gateway (or the gateway refused it): try again later.
    Its text names no phone number."""


class Notifier(Protocol):
    async def send(self, message: Message) -> None: ...

    async def aclose(self) -> None: ...


class FileNotifier:
    """Each message a JSON line appended to a file (`notifications.jsonl` in the data dir)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = asyncio.Lock()

    async def send(self, message: Message) -> None:
        line = json.dumps(
            {
                "id": message.message_id,
                "dossier_id": message.dossier_id,
                "at": datetime.now(UTC).isoformat(),
                "to": message.to,
                "kind": message.kind,
                "text": message.text,
                "params": message.params,
            },
            ensure_ascii=False,
        )
        async with self._lock:
            try:
                await asyncio.to_thread(_append_line, self.path, line)
            except OSError as error:
                raise NotSent(f"could not write {self.path}: {error.strerror}") from None

    async def aclose(self) -> None:
        return None


def _append_line(path: Path, line: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as file:
        file.write(line + "\n")


class HttpNotifier:
    """POSTs `{id, to, template, text, params}` as JSON to the gateway's URL, with
    `Authorization: Bearer <JASA_NOTIFY_TOKEN>` and `Idempotency-Key: <id>`; any 2xx is sent."""

    def __init__(self, url: str, token: str | None, templates: dict[str, str]) -> None:
        self.url, self.token, self.templates = url, token, templates
        self._client = httpx.AsyncClient(timeout=HTTP_TIMEOUT_S)

    async def send(self, message: Message) -> None:
        headers = {"Idempotency-Key": message.message_id}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        body: dict[str, Any] = {
            "id": message.message_id,
            "to": message.to,
            "template": self.templates.get(message.kind, message.kind),
            "text": message.text,
            "params": message.params,
        }
        try:
            answer = await self._client.post(self.url, json=body, headers=headers)
        except httpx.HTTPError as error:
            raise NotSent(f"the gateway did not answer ({type(error).__name__})") from None
        if not answer.is_success:
            raise NotSent(f"the gateway answered {answer.status_code}")

    async def aclose(self) -> None:
        await self._client.aclose()


def notifier_from(settings: CourierSettings) -> Notifier:
    if settings.notifier is NotifierKind.HTTP:
        if not settings.notify_url:
            raise ValueError("JASA_NOTIFIER=http needs JASA_NOTIFY_URL, the gateway's URL")
        token = settings.notify_token.get_secret_value() if settings.notify_token else None
        return HttpNotifier(settings.notify_url, token, settings.notify_templates)
    return FileNotifier(settings.data_dir / "notifications.jsonl")
