"""The courier service over HTTP, with its consumer running on a real Redis."""

import asyncio
import hashlib
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from redis.asyncio import Redis

from services.courier.main import create_app
from shared.log import EventLog
from tests.conftest import running, token_for
from tests.courier_factories import NIKS, Handover
from tests.door_support import photo
from tests.integration.courier_support import eventually, get_until
from tests.privacy_support import revealing

COURIER = token_for("COURIER", officer_id="kurir-7", name="Andi Kurir")
KASUBBAG = token_for("KASUBBAG_UMUM", officer_id="197502022000031002", name="Budi Santoso")
FO = token_for("FO")
# The courier's own officer id on a Kasubbag Umum's token: one person in both roles.
COURIER_AS_KASUBBAG = token_for("KASUBBAG_UMUM", officer_id="kurir-7", name="Andi Kurir")
DELIVERED = {"recipient_name": "Rina Marlina", "relationship": "SELF", "note": "diterima"}
# Without the receipt code, a delivery needs a photo of the handover (a form with a file).
WITH_PHOTO = {"data": DELIVERED, "files": {"photo": ("serah-terima.jpg", photo(), "image/jpeg")}}
RETURNED = {"reason": "RECIPIENT_NOT_HOME", "note": "rumah kosong tiga kali"}


@pytest.fixture
async def client(service_env: dict[str, str]) -> AsyncIterator[httpx.AsyncClient]:
    async with running(create_app()) as client:
        yield client


async def ready(client: httpx.AsyncClient, log: EventLog, documents: int = 2) -> Handover:
    handover = await Handover(documents=documents).draft_and_sign(log)
    await get_until(
        client,
        f"/handovers/{handover.letter_id}",
        COURIER,
        lambda r: r.status_code == 200,
        "the signed letter showing as a handover",
    )
    return handover


async def accepted(client: httpx.AsyncClient, log: EventLog) -> Handover:
    handover = await ready(client, log)
    response = await client.post(f"/handovers/{handover.letter_id}/accept", headers=COURIER)
    assert response.status_code == 200, response.text
    return handover


async def test_a_signed_letter_is_a_ready_handover_whose_manifest_has_no_nik(
    client: httpx.AsyncClient, event_log: EventLog
) -> None:
    handover = await ready(client, event_log)
    listed = await get_until(
        client,
        "/handovers?status=READY",
        COURIER,
        lambda r: any(i["letter_id"] == str(handover.letter_id) for i in r.json()["items"]),
        "the handover in the READY list",
    )
    item = next(i for i in listed.json()["items"] if i["letter_id"] == str(handover.letter_id))
    assert item["letter_number"] == handover.letter_number
    assert item["status"] == "READY"
    assert [d["dossier_id"] for d in item["documents"]] == [str(d) for d in handover.dossier_ids]
    assert item["documents"][0] == {
        "dossier_id": str(handover.dossier_ids[0]),
        "name": "Warga 0",
        "address": "Jl. Sudirman No. 12, Pekanbaru",
        "phone": "+6281234567890",
        "document_type": "KTP_EL",
        "document_number": item["documents"][0]["document_number"],
        "tracking_code": None,  # registered before tracking codes
        "failed_attempts": 0,
        "delivery_status": "LETTER_SIGNED",
    }
    single = await client.get(f"/handovers/{handover.letter_id}", headers=COURIER)
    for text in (listed.text, single.text):
        assert not any(nik in text for nik in NIKS)
        assert "nik" not in text.lower()


async def test_a_letter_not_yet_signed_is_no_handover(
    client: httpx.AsyncClient, event_log: EventLog
) -> None:
    handover = Handover()
    await handover.draft(event_log)
    refused = await get_until(
        client,
        f"/handovers/{handover.letter_id}",
        COURIER,
        lambda r: r.status_code == 404,
        "the drafted letter being no handover",
    )
    assert "no such signed letter" in refused.json()["detail"]
    answer = await eventually(
        lambda: client.post(f"/handovers/{handover.letter_id}/accept", headers=COURIER),
        lambda r: r.status_code == 409,
        "accepting the unsigned letter being refused",
    )
    assert "not signed yet" in answer.json()["detail"]
    assert await event_log.version(f"handover-{handover.letter_id}") == 0


async def test_an_unknown_letter_is_not_found(client: httpx.AsyncClient) -> None:
    unknown = uuid.uuid4()
    assert (await client.get(f"/handovers/{unknown}", headers=COURIER)).status_code == 404
    answer = await client.post(f"/handovers/{unknown}/accept", headers=COURIER)
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"
    assert str(unknown) in answer.json()["detail"]


async def test_the_courier_accepts_a_handover_once(
    client: httpx.AsyncClient, event_log: EventLog
) -> None:
    handover = await accepted(client, event_log)
    (event,) = await event_log.load(f"handover-{handover.letter_id}")
    assert event.type == "HandoverAccepted"
    assert event.actor.officer_id == "kurir-7" and event.actor.role == "COURIER"
    assert event.data.model_dump(mode="json") == {
        "letter_id": str(handover.letter_id),
        "recap_id": str(handover.recap_id),
        "dossier_ids": [str(d) for d in handover.dossier_ids],
    }
    again = await client.post(f"/handovers/{handover.letter_id}/accept", headers=COURIER)
    assert again.status_code == 409
    assert "already accepted" in again.json()["detail"]
    listed = await get_until(
        client,
        "/handovers?status=ACCEPTED",
        COURIER,
        lambda r: [i["letter_id"] for i in r.json()["items"]] == [str(handover.letter_id)],
        "the handover in the ACCEPTED list",
    )
    assert {d["delivery_status"] for d in listed.json()["items"][0]["documents"]} == {
        "WITH_COURIER"
    }
    assert (await client.get("/handovers?status=READY", headers=COURIER)).json()["items"] == []


async def test_a_retried_accept_with_the_same_idempotency_key_repeats_the_first_answer(
    client: httpx.AsyncClient, event_log: EventLog
) -> None:
    handover = await ready(client, event_log)
    headers = {**COURIER, "Idempotency-Key": "accept-1"}
    url = f"/handovers/{handover.letter_id}/accept"
    first, second = [await client.post(url, headers=headers) for _ in range(2)]
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert second.headers["idempotent-replay"] == "true"
    assert await event_log.version(f"handover-{handover.letter_id}") == 1


async def test_handovers_are_listed_in_pages(
    client: httpx.AsyncClient, event_log: EventLog
) -> None:
    letters = [(await ready(client, event_log, documents=1)).letter_id for _ in range(3)]
    seen: list[str] = []
    url: str | None = "/handovers?status=READY&limit=2"
    while url is not None:
        page = (await client.get(url, headers=COURIER)).json()
        seen += [item["letter_id"] for item in page["items"]]
        url = f"/handovers?status=READY&limit=2&cursor={page['next']}" if page["next"] else None
    assert seen == [str(letter_id) for letter_id in letters]


async def test_a_document_is_delivered_only_after_the_handover_is_accepted_and_only_once(
    client: httpx.AsyncClient, event_log: EventLog, redis: Redis
) -> None:
    handover = await ready(client, event_log)
    url = f"/deliveries/{handover.dossier_ids[0]}/delivered"
    early = await client.post(url, json=DELIVERED, headers=COURIER)
    assert early.status_code == 409
    assert "has not been accepted" in early.json()["detail"]
    await client.post(f"/handovers/{handover.letter_id}/accept", headers=COURIER)

    done = await client.post(url, headers=COURIER, **WITH_PHOTO)
    assert done.status_code == 200, done.text
    assert done.json() == {
        "dossier_id": str(handover.dossier_ids[0]),
        "letter_id": str(handover.letter_id),
        "delivery_status": "DELIVERED",
        "code_verified": False,
        "photo_sha256": hashlib.sha256(photo()).hexdigest(),
    }
    twice = await client.post(url, json=DELIVERED, headers=COURIER)
    assert (twice.status_code, "already delivered" in twice.json()["detail"]) == (409, True)
    back = await client.post(
        f"/deliveries/{handover.dossier_ids[0]}/returned", json=RETURNED, headers=COURIER
    )
    assert (back.status_code, "cannot be returned" in back.json()["detail"]) == (409, True)
    (event,) = await revealing(event_log, redis).load(f"delivery-{handover.dossier_ids[0]}")
    assert event.type == "Delivered"
    assert event.data.model_dump(mode="json")["recipient_name"] == "Rina Marlina"
    assert event.actor.officer_id == "kurir-7"
    listed = await get_until(
        client,
        f"/handovers/{handover.letter_id}",
        COURIER,
        lambda r: r.json()["documents"][0]["delivery_status"] == "DELIVERED",
        "the delivered document in the manifest",
    )
    assert listed.json()["documents"][1]["delivery_status"] == "WITH_COURIER"


async def test_a_returned_document_goes_back_to_the_office_and_is_received_once(
    client: httpx.AsyncClient, event_log: EventLog
) -> None:
    handover = await accepted(client, event_log)
    dossier_id = handover.dossier_ids[1]
    returned = await client.post(
        f"/deliveries/{dossier_id}/returned", json=RETURNED, headers=COURIER
    )
    assert returned.status_code == 200, returned.text
    assert returned.json()["delivery_status"] == "RETURNED"
    retry = await client.post(
        f"/deliveries/{dossier_id}/delivered", json=DELIVERED, headers=COURIER
    )
    assert retry.status_code == 409
    assert "has to come back to the office" in retry.json()["detail"]

    awaiting = await get_until(
        client,
        "/returns?received=false",
        KASUBBAG,
        lambda r: len(r.json()["items"]) == 1,
        "the returned document awaiting receipt",
    )
    item = awaiting.json()["items"][0]
    assert (item["dossier_id"], item["reason"], item["note"], item["received"]) == (
        str(dossier_id),
        "RECIPIENT_NOT_HOME",
        "rumah kosong tiga kali",
        False,
    )
    assert not any(nik in awaiting.text for nik in NIKS)

    receive = f"/returns/{dossier_id}/receive"
    assert (await client.post(receive, headers=KASUBBAG)).json()["delivery_status"] == (
        "RECEIVED_BACK"
    )
    twice = await client.post(receive, headers=KASUBBAG)
    assert (twice.status_code, "already received back" in twice.json()["detail"]) == (409, True)
    types = [e.type for e in await event_log.load(f"delivery-{dossier_id}")]
    assert types == ["Returned", "ReturnReceived"]
    await get_until(
        client,
        "/returns?received=false",
        KASUBBAG,
        lambda r: r.json()["items"] == [],
        "the received document leaving the list",
    )
    received = (await client.get("/returns?received=true", headers=KASUBBAG)).json()["items"]
    assert [(i["dossier_id"], i["received"]) for i in received] == [(str(dossier_id), True)]


async def test_whoever_returned_a_document_as_courier_cannot_receive_it_back(
    client: httpx.AsyncClient, event_log: EventLog
) -> None:
    handover = await accepted(client, event_log)
    dossier_id = handover.dossier_ids[0]
    returned = await client.post(
        f"/deliveries/{dossier_id}/returned", json=RETURNED, headers=COURIER
    )
    assert returned.status_code == 200, returned.text
    refused = await client.post(f"/returns/{dossier_id}/receive", headers=COURIER_AS_KASUBBAG)
    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["detail"] == (
        f"document {dossier_id} was returned by you (officer kurir-7) as courier; the officer "
        "who returned a document cannot also receive it back; another Kasubbag Umum receives it"
    )
    assert [e.type for e in await event_log.load(f"delivery-{dossier_id}")] == ["Returned"]
    received = await client.post(f"/returns/{dossier_id}/receive", headers=KASUBBAG)
    assert received.status_code == 200, received.text


async def test_an_office_that_relaxes_the_rule_lets_the_same_officer_receive_it_back(
    service_env: dict[str, str], event_log: EventLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JASA_RELAXED_DUTIES", '{"1471": ["receive-own-return"]}')
    async with running(create_app()) as client:
        handover = await accepted(client, event_log)
        dossier_id = handover.dossier_ids[0]
        returned = await client.post(
            f"/deliveries/{dossier_id}/returned", json=RETURNED, headers=COURIER
        )
        assert returned.status_code == 200, returned.text
        received = await client.post(f"/returns/{dossier_id}/receive", headers=COURIER_AS_KASUBBAG)
    assert received.status_code == 200, received.text
    assert received.json()["delivery_status"] == "RECEIVED_BACK"


async def test_only_a_returned_document_can_be_received_back(
    client: httpx.AsyncClient, event_log: EventLog
) -> None:
    handover = await accepted(client, event_log)
    answer = await client.post(f"/returns/{handover.dossier_ids[0]}/receive", headers=KASUBBAG)
    assert (answer.status_code, "was not returned" in answer.json()["detail"]) == (409, True)
    unknown = await client.post(f"/returns/{uuid.uuid4()}/receive", headers=KASUBBAG)
    assert unknown.status_code == 404


async def test_delivered_and_returned_at_the_same_moment_have_exactly_one_effect(
    client: httpx.AsyncClient, event_log: EventLog
) -> None:
    handover = await accepted(client, event_log)
    dossier_id = handover.dossier_ids[0]
    answers = await asyncio.gather(
        client.post(f"/deliveries/{dossier_id}/delivered", headers=COURIER, **WITH_PHOTO),
        client.post(f"/deliveries/{dossier_id}/returned", json=RETURNED, headers=COURIER),
    )
    assert sorted(a.status_code for a in answers) == [200, 409]
    events = await event_log.load(f"delivery-{dossier_id}")
    assert len(events) == 1
    winner = next(a for a in answers if a.status_code == 200).json()["delivery_status"]
    assert events[0].type == {"DELIVERED": "Delivered", "RETURNED": "Returned"}[winner]


async def test_a_retried_delivery_with_the_same_idempotency_key_appends_nothing(
    client: httpx.AsyncClient, event_log: EventLog
) -> None:
    handover = await accepted(client, event_log)
    url = f"/deliveries/{handover.dossier_ids[0]}/delivered"
    headers = {**COURIER, "Idempotency-Key": "deliver-1"}
    first, second = [await client.post(url, headers=headers, **WITH_PHOTO) for _ in range(2)]
    assert (first.status_code, second.status_code) == (200, 200)
    assert second.headers["idempotent-replay"] == "true"
    assert await event_log.version(f"delivery-{handover.dossier_ids[0]}") == 1


async def test_an_unknown_document_is_not_found(client: httpx.AsyncClient) -> None:
    answer = await client.post(
        f"/deliveries/{uuid.uuid4()}/delivered", json=DELIVERED, headers=COURIER
    )
    assert answer.status_code == 404


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("delivered", {**DELIVERED, "relationship": "NEIGHBOUR"}, "relationship"),
        ("delivered", {"relationship": "SELF"}, "recipient_name"),
        ("delivered", {**DELIVERED, "recipient_name": "   "}, "recipient_name"),
        ("delivered", {**DELIVERED, "recipient_name": "Rina\x00Marlina"}, "recipient_name"),
        ("delivered", {**DELIVERED, "note": "x" * 501}, "note"),
        ("delivered", {**DELIVERED, "nik": NIKS[0]}, "nik"),
        ("returned", {"reason": "LOST"}, "reason"),
        ("returned", {"reason": "OTHER", "note": "  "}, "note"),
    ],
)
async def test_bad_input_is_refused_with_the_field_named_and_nothing_written(
    client: httpx.AsyncClient, event_log: EventLog, path: str, body: dict[str, str], field: str
) -> None:
    handover = await accepted(client, event_log)
    dossier_id = handover.dossier_ids[0]
    answer = await client.post(f"/deliveries/{dossier_id}/{path}", json=body, headers=COURIER)
    assert answer.status_code == 422, answer.text
    assert field in [error["field"] for error in answer.json()["errors"]]
    assert await event_log.version(f"delivery-{dossier_id}") == 0


async def test_malformed_ids_and_filters_are_refused(client: httpx.AsyncClient) -> None:
    for url in ("/handovers/not-a-uuid", "/handovers?status=LOST", "/handovers?cursor=%%%"):
        assert (await client.get(url, headers=COURIER)).status_code == 422, url
    answer = await client.post("/deliveries/123/delivered", json=DELIVERED, headers=COURIER)
    assert answer.status_code == 422


@pytest.mark.parametrize(
    ("method", "url", "allowed"),
    [
        ("GET", "/handovers", COURIER),
        ("GET", f"/handovers/{uuid.uuid4()}", COURIER),
        ("POST", f"/handovers/{uuid.uuid4()}/accept", COURIER),
        ("POST", f"/deliveries/{uuid.uuid4()}/delivered", COURIER),
        ("POST", f"/deliveries/{uuid.uuid4()}/returned", COURIER),
        ("POST", f"/returns/{uuid.uuid4()}/receive", KASUBBAG),
        ("GET", "/returns?received=false", KASUBBAG),
    ],
)
async def test_each_route_wants_a_token_of_its_own_role(
    client: httpx.AsyncClient, method: str, url: str, allowed: dict[str, str]
) -> None:
    body = DELIVERED if url.endswith("delivered") else RETURNED
    kwargs = {"json": body} if method == "POST" else {}
    assert (await client.request(method, url, **kwargs)).status_code == 401
    other = KASUBBAG if allowed is COURIER else COURIER
    for headers in (FO, other):
        answer = await client.request(method, url, headers=headers, **kwargs)
        assert answer.status_code == 403, (url, answer.text)
    assert (await client.request(method, url, headers=allowed, **kwargs)).status_code in (200, 404)
