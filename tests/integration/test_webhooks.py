"""The courier's webhooks end to end in one process: the courier service with its consumer
and dispatcher on a real Redis, and a real receiver on the loopback (the example courier
receiver, behind scripted faults). Every call is verified with the `standardwebhooks`
package, independently of the code that signed it."""

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from standardwebhooks import Webhook, WebhookVerificationError

from services.courier.config import CourierSettings
from services.courier.consumers import projection
from services.courier.main import create_app
from shared.context import build_context
from shared.db import create_tables
from shared.events import Actor, PersonalDataErased, new_event
from shared.keys import Keys
from shared.log import EventLog
from shared.master_key import load_or_create_master_key
from shared.vocabulary import Role
from shared.webhooks.endpoints import Endpoint
from shared.webhooks.office import OfficeWebhooks
from shared.webhooks.outbox import Message
from shared.webhooks.sender import now_ms
from tests.conftest import running, token_for
from tests.courier_factories import NIKS, Handover
from tests.integration.courier_support import eventually
from tests.webhook_receiver import Call, Receiver, stopped_at_the_end

COURIER = token_for("COURIER", officer_id="kurir-7", name="Andi Kurir")
KASUBBAG = token_for("KASUBBAG_UMUM", officer_id="197502022000031002", name="Budi Santoso")
AUDITOR = token_for("AUDITOR", officer_id="auditor-1", name="Rudi Auditor")


@pytest.fixture
def webhook_env(service_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Loopback receivers allowed, and a schedule of tenths of seconds instead of hours."""
    monkeypatch.setenv("JASA_WEBHOOK_ALLOW_PRIVATE", "true")
    monkeypatch.setenv("JASA_WEBHOOK_SCHEDULE", "200ms,200ms,200ms")
    monkeypatch.setenv("JASA_WEBHOOK_TIMEOUT", "1s")


@pytest.fixture
async def webhooks(webhook_env: None, redis: Redis, keys: Keys) -> OfficeWebhooks:
    master_key = load_or_create_master_key(CourierSettings())
    return OfficeWebhooks.of(redis, keys, master_key)


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[Receiver]:
    with stopped_at_the_end(Receiver(tmp_path / "receiver", hang_s=1.5)) as receiver:
        yield receiver


@pytest.fixture
async def client(webhook_env: None) -> AsyncIterator[httpx.AsyncClient]:
    async with running(create_app()) as client:
        yield client


async def endpoint_for(
    webhooks: OfficeWebhooks, receiver: Receiver, events: tuple[str, ...] = ()
) -> tuple[Endpoint, str]:
    return await webhooks.endpoints.add(receiver.url, events, "Pos Indonesia", now_ms())


def verified(call: Call, secret: str) -> dict[str, Any]:
    payload: dict[str, Any] = Webhook(secret).verify(call.body, call.headers)
    return payload


async def calls_until(receiver: Receiver, count: int, what: str) -> list[Call]:
    async def probe() -> list[Call]:
        return receiver.calls

    return await eventually(probe, lambda calls: len(calls) >= count, what)


async def test_a_message_answered_500_then_late_then_200_arrives_three_times_and_is_applied_once(
    webhooks: OfficeWebhooks, receiver: Receiver, client: httpx.AsyncClient, event_log: EventLog
) -> None:
    _, secret = await endpoint_for(webhooks, receiver)
    receiver.answer_next("500", "late")
    receiver.start(secret)
    handover = await Handover(documents=2).draft_and_sign(event_log)

    calls = await calls_until(receiver, 3, "three calls of the one message")
    assert [call.answer for call in calls] == ["500", "late", "example"]
    assert len({call.headers["webhook-id"] for call in calls}) == 1
    payloads = [verified(call, secret) for call in calls]
    assert all(payload == payloads[0] for payload in payloads)
    ready = payloads[0]
    assert ready["type"] == "handover.ready"
    assert ready["data"]["letter_id"] == str(handover.letter_id)
    assert [d["dossier_id"] for d in ready["data"]["documents"]] == [
        str(dossier_id) for dossier_id in handover.dossier_ids
    ]
    assert (await eventually(_events(receiver), lambda e: len(e) == 1, "applied")) == [
        {
            "webhook_id": calls[0].headers["webhook-id"],
            "type": "handover.ready",
            "subject": str(handover.letter_id),
            "timestamp": ready["timestamp"],
        }
    ]
    message = await eventually(
        lambda: webhooks.outbox.get(calls[0].headers["webhook-id"]),
        lambda m: m is not None and m.status == "delivered",
        "the message recorded as delivered",
    )
    assert message is not None and message.attempts == 3


def _events(receiver: Receiver) -> Callable[[], Awaitable[list[dict[str, Any]]]]:
    async def probe() -> list[dict[str, Any]]:
        return receiver.events()

    return probe


async def test_no_nik_and_no_document_number_in_clear_leaves_in_a_webhook(
    webhooks: OfficeWebhooks, receiver: Receiver, client: httpx.AsyncClient, event_log: EventLog
) -> None:
    _, secret = await endpoint_for(webhooks, receiver)
    receiver.start(secret)
    await Handover(documents=3).draft_and_sign(event_log)
    (call,) = await calls_until(receiver, 1, "the handover announced")
    assert not any(nik.encode() in call.body for nik in NIKS)
    assert b"nik" not in call.body.lower()
    numbers = {d["document_number"] for d in verified(call, secret)["data"]["documents"]}
    assert numbers == {"************0003", "************0001", "************0002"}
    stored = await webhooks.outbox.get(call.headers["webhook-id"])
    assert stored is not None and b"Warga" not in stored.sealed_body  # sealed at rest


async def test_the_courier_accepting_and_the_office_receiving_a_return_are_announced(
    webhooks: OfficeWebhooks, receiver: Receiver, client: httpx.AsyncClient, event_log: EventLog
) -> None:
    _, secret = await endpoint_for(webhooks, receiver, ("handover.accepted", "return.received"))
    receiver.start(secret)
    handover = await Handover(documents=1).draft_and_sign(event_log)
    await eventually(
        lambda: client.get(f"/handovers/{handover.letter_id}", headers=COURIER),
        lambda r: r.status_code == 200,
        "the handover",
    )
    assert (
        await client.post(f"/handovers/{handover.letter_id}/accept", headers=COURIER)
    ).is_success
    (dossier_id,) = handover.dossier_ids
    returned = {"reason": "RECIPIENT_NOT_HOME", "note": "rumah kosong"}
    answer = await client.post(f"/deliveries/{dossier_id}/returned", json=returned, headers=COURIER)
    assert answer.is_success
    await eventually(
        lambda: client.get("/returns?received=false", headers=KASUBBAG),
        lambda r: len(r.json()["items"]) == 1,
        "the return awaiting receipt",
    )
    assert (await client.post(f"/returns/{dossier_id}/receive", headers=KASUBBAG)).is_success

    calls = await calls_until(receiver, 2, "acceptance and receipt announced")
    accepted, received = (verified(call, secret) for call in calls)
    assert accepted["type"] == "handover.accepted"
    assert accepted["data"]["letter_id"] == str(handover.letter_id)
    assert accepted["data"]["letter_number"] == handover.letter_number
    assert accepted["data"]["dossier_ids"] == [str(dossier_id)]
    assert received["type"] == "return.received"
    assert received["data"]["dossier_id"] == str(dossier_id)
    assert set(received) == {"type", "timestamp", "data"}
    assert len(receiver.calls) == 2  # the endpoint did not ask for handover.ready


async def test_everything_queued_while_the_receiver_is_down_arrives_when_it_comes_back(
    webhooks: OfficeWebhooks,
    receiver: Receiver,
    event_log: EventLog,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Attempts enough to outlast a slow machine: down for a while is not down for good.
    monkeypatch.setenv("JASA_WEBHOOK_SCHEDULE", ",".join(["300ms"] + ["1s"] * 60))
    _, secret = await endpoint_for(webhooks, receiver)
    async with running(create_app()):
        handovers = [await Handover(documents=1).draft_and_sign(event_log) for _ in range(3)]

        async def tried() -> list[Message]:
            return [m for m in await webhooks.outbox.pending() if m.attempts >= 1]

        await eventually(tried, lambda tried: len(tried) == 3, "three messages tried, refused")
        receiver.start(secret)
        calls = await calls_until(receiver, 3, "the three queued messages")
    letters = {verified(call, secret)["data"]["letter_id"] for call in calls}
    assert letters == {str(h.letter_id) for h in handovers}


async def test_a_rotated_secret_signs_beside_the_new_one_and_both_verify(
    webhooks: OfficeWebhooks, receiver: Receiver, client: httpx.AsyncClient, event_log: EventLog
) -> None:
    endpoint, old = await endpoint_for(webhooks, receiver)
    new = await webhooks.endpoints.rotate(endpoint.id, now_ms(), grace_s=3600)
    assert new is not None and new != old and new.startswith("whsec_")
    receiver.start(new)
    await Handover(documents=1).draft_and_sign(event_log)
    (call,) = await calls_until(receiver, 1, "the handover announced")
    signatures = call.headers["webhook-signature"].split(" ")
    assert len(signatures) == 2 and all(s.startswith("v1,") for s in signatures)
    assert verified(call, old) == verified(call, new)


async def test_after_the_grace_only_the_new_secret_signs(
    webhooks: OfficeWebhooks, receiver: Receiver, client: httpx.AsyncClient, event_log: EventLog
) -> None:
    endpoint, old = await endpoint_for(webhooks, receiver)
    new = await webhooks.endpoints.rotate(endpoint.id, now_ms() - 10_000, grace_s=1)
    assert new is not None
    receiver.start(new)
    await Handover(documents=1).draft_and_sign(event_log)
    (call,) = await calls_until(receiver, 1, "the handover announced")
    assert " " not in call.headers["webhook-signature"]
    verified(call, new)
    with pytest.raises(WebhookVerificationError):
        verified(call, old)


async def test_410_disables_the_endpoint_and_the_office_sees_why(
    webhooks: OfficeWebhooks, receiver: Receiver, client: httpx.AsyncClient, event_log: EventLog
) -> None:
    endpoint, secret = await endpoint_for(webhooks, receiver)
    receiver.answer_next("410")
    receiver.start(secret)
    await Handover(documents=1).draft_and_sign(event_log)
    await calls_until(receiver, 1, "the handover announced")

    shown = await eventually(
        lambda: client.get("/webhooks/endpoints", headers=KASUBBAG),
        lambda r: not r.json()["items"][0]["enabled"],
        "the endpoint disabled",
    )
    (item,) = shown.json()["items"]
    assert item["endpoint_id"] == endpoint.id
    assert "410" in item["disabled_reason"] and item["disabled_at"] is not None
    (notice,) = await webhooks.notices.latest()
    assert notice.endpoint_id == endpoint.id and "410" in notice.reason

    await Handover(documents=1).draft_and_sign(event_log)
    failed = await eventually(
        lambda: client.get("/webhooks/failed", headers=AUDITOR),
        lambda r: len(r.json()["items"]) == 2,
        "both messages failed",
    )
    assert [m["last_error"] for m in failed.json()["items"]] == [
        "answered 410",
        f"endpoint disabled: {item['disabled_reason']}",
    ]
    assert len(receiver.calls) == 1  # a disabled endpoint is not called


async def test_a_message_that_used_all_its_attempts_is_listed_and_replayed_with_its_id(
    webhooks: OfficeWebhooks, receiver: Receiver, client: httpx.AsyncClient, event_log: EventLog
) -> None:
    _, secret = await endpoint_for(webhooks, receiver)
    receiver.answer_next("500", "500", "500", "503")
    receiver.start(secret)
    await Handover(documents=1).draft_and_sign(event_log)
    failed = await eventually(
        lambda: client.get("/webhooks/failed", headers=KASUBBAG),
        lambda r: len(r.json()["items"]) == 1,
        "the message failed",
    )
    (item,) = failed.json()["items"]
    assert (item["attempts"], item["last_status"], item["type"]) == (4, 503, "handover.ready")
    assert len(receiver.calls) == 4

    assert await webhooks.outbox.replay(item["message_id"], now_ms())
    calls = await calls_until(receiver, 5, "the replayed message")
    assert calls[-1].headers["webhook-id"] == item["message_id"]
    verified(calls[-1], secret)
    assert (await client.get("/webhooks/failed", headers=KASUBBAG)).json()["items"] == []


async def test_a_receiver_asking_to_retry_after_a_while_is_not_called_sooner(
    webhooks: OfficeWebhooks, receiver: Receiver, client: httpx.AsyncClient, event_log: EventLog
) -> None:
    _, secret = await endpoint_for(webhooks, receiver)
    receiver.answer_next("503 retry-after=2")
    receiver.start(secret)
    await Handover(documents=1).draft_and_sign(event_log)
    first, second = await calls_until(receiver, 2, "the retry after two seconds")
    gap = int(second.headers["webhook-timestamp"]) - int(first.headers["webhook-timestamp"])
    assert gap >= 2  # the schedule alone would have come back after 0.2 s


async def test_an_endpoint_failing_longer_than_allowed_is_disabled_and_the_office_told(
    webhooks: OfficeWebhooks,
    receiver: Receiver,
    event_log: EventLog,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("JASA_WEBHOOK_DISABLE_AFTER", "300ms")  # five days, shortened
    endpoint, secret = await endpoint_for(webhooks, receiver)
    receiver.answer_next(*["500"] * 10)
    receiver.start(secret)
    async with running(create_app()):
        await Handover(documents=1).draft_and_sign(event_log)
        notices = await eventually(webhooks.notices.latest, bool, "the office told")
    assert notices[0].endpoint_id == endpoint.id
    assert "without a success" in notices[0].reason
    stored = await webhooks.endpoints.get(endpoint.id)
    assert stored is not None and not stored.enabled


async def test_a_tampered_body_or_an_old_timestamp_fails_verification_and_is_not_applied(
    webhooks: OfficeWebhooks, receiver: Receiver, client: httpx.AsyncClient, event_log: EventLog
) -> None:
    _, secret = await endpoint_for(webhooks, receiver)
    receiver.start(secret)
    await Handover(documents=1).draft_and_sign(event_log)
    (call,) = await calls_until(receiver, 1, "the handover announced")
    tampered = call.body.replace(b"Warga 0", b"Warga 9")
    assert tampered != call.body
    with pytest.raises(WebhookVerificationError):
        verified(Call(call.headers, tampered, ""), secret)

    fresh_id = {**call.headers, "webhook-id": "msg_forged"}
    ten_minutes_ago = datetime.now(UTC) - timedelta(minutes=10)
    stale = {
        **fresh_id,
        "webhook-timestamp": str(int(ten_minutes_ago.timestamp())),
        "webhook-signature": Webhook(secret).sign("msg_forged", ten_minutes_ago, call.body),
    }
    async with httpx.AsyncClient() as http:
        forged = await http.post(receiver.url, content=tampered, headers=fresh_id)
        replayed = await http.post(receiver.url, content=call.body, headers=stale)
    assert forged.status_code == 400 and "signature" in forged.text.lower()
    assert replayed.status_code == 400 and "too old" in replayed.text.lower()
    assert len(receiver.events()) == 1


async def test_an_event_handled_again_makes_no_second_message_for_any_endpoint(
    webhooks: OfficeWebhooks, receiver: Receiver, event_log: EventLog, tmp_path: Path
) -> None:
    first, _ = await endpoint_for(webhooks, receiver)
    second, _ = await endpoint_for(webhooks, receiver)
    await Handover(documents=2).draft_and_sign(event_log)
    events = await event_log.read()
    fresh = build_context(CourierSettings(data_dir=tmp_path / "fresh"))
    fresh.master_key = load_or_create_master_key(CourierSettings())
    await create_tables(fresh.engine)
    try:
        handle = projection(fresh)
        for event in events + events:  # the courier's read model lost, and redelivered twice
            await handle(event)
    finally:
        await fresh.redis.aclose()
        await fresh.engine.dispose()
    messages = await webhooks.outbox.pending()
    assert sorted(m.endpoint_id for m in messages) == sorted([first.id, second.id])
    assert {m.type for m in messages} == {"handover.ready"}


async def test_a_persons_erasure_reaches_the_messages_not_sent_yet(
    webhooks: OfficeWebhooks,
    receiver: Receiver,
    event_log: EventLog,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("JASA_WEBHOOK_SCHEDULE", ",".join(["300ms"] + ["1s"] * 60))
    _, secret = await endpoint_for(webhooks, receiver)  # the receiver is down for now
    async with running(create_app()):
        handover = await Handover(documents=2).draft_and_sign(event_log)
        (message,) = await eventually(webhooks.outbox.pending, bool, "the message made")
        assert b"Warga 0" in webhooks.outbox.body_of(message)

        erased = new_event(
            PersonalDataErased(dossier_id=handover.dossier_ids[0]),
            stream_id=f"dossier-{handover.dossier_ids[0]}",
            actor=Actor(officer_id="auditor-1", name="Rudi Auditor", role=Role.AUDITOR),
            office="1471",
        )
        await event_log.append(erased.stream_id, [erased], expected_version=1)

        async def body() -> bytes:
            stored = await webhooks.outbox.get(message.id)
            return webhooks.outbox.body_of(stored) if stored else b""

        await eventually(body, lambda text: b"Warga 0" not in text, "the person erased")
        receiver.start(secret)
        (call,) = await calls_until(receiver, 1, "the message sent")
    first, second = verified(call, secret)["data"]["documents"]
    assert (first["name"], first["address"], first["phone"]) == ("[dihapus]",) * 3
    assert first["document_number"] == "[dihapus]"
    assert second["name"] == "Warga 1"
