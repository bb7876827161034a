"""One document as the courier may know it (`GET /deliveries/{dossier_id}`, which the
courier's document page reads too): whom it goes to, on which letter, and what became of it;
never a NIK, the document number masked."""

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from redis.asyncio import Redis

from services.courier.main import create_app
from shared.log import EventLog
from tests.conftest import running, token_for
from tests.courier_factories import NIKS, Handover
from tests.door_support import receipt_code
from tests.integration.courier_support import get_until

COURIER = token_for("COURIER", officer_id="kurir-9", name="Sari Kurir")
OTHER_OFFICE = token_for("COURIER", officer_id="kurir-10", name="Kurir Lain", office="1472")
RETURNED = {"reason": "ADDRESS_NOT_FOUND", "note": "nomor rumah tidak ada"}


@pytest.fixture
async def client(
    service_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[httpx.AsyncClient]:
    monkeypatch.setenv("JASA_OFFICES", "1471,1472")
    async with running(create_app()) as client:
        yield client


async def test_a_document_of_a_signed_letter_shows_its_letter_and_no_nik(
    client: httpx.AsyncClient, event_log: EventLog
) -> None:
    handover = await Handover(documents=1).draft_and_sign(event_log)
    (dossier_id,) = handover.dossier_ids
    shown = await get_until(
        client,
        f"/deliveries/{dossier_id}",
        COURIER,
        lambda r: r.status_code == 200,
        "the document of the signed letter",
    )
    document = shown.json()
    assert document["letter_number"] == handover.letter_number
    assert document["letter_id"] == str(handover.letter_id)
    assert document["name"] == "Warga 0"
    assert document["delivery_status"] == "LETTER_SIGNED"  # not yet accepted
    assert document["document_number"].endswith(NIKS[0][-4:])
    assert not any(nik in shown.text for nik in NIKS)


async def test_a_returned_document_shows_why_and_when(
    client: httpx.AsyncClient, event_log: EventLog
) -> None:
    handover = await Handover(documents=1).draft_and_sign(event_log)
    (dossier_id,) = handover.dossier_ids
    await get_until(
        client, f"/handovers/{handover.letter_id}", COURIER, lambda r: r.status_code == 200, "it"
    )
    accepted = await client.post(f"/handovers/{handover.letter_id}/accept", headers=COURIER)
    assert accepted.status_code == 200, accepted.text
    returned = await client.post(
        f"/deliveries/{dossier_id}/returned", json=RETURNED, headers=COURIER
    )
    assert returned.status_code == 200, returned.text
    shown = await get_until(
        client,
        f"/deliveries/{dossier_id}",
        COURIER,
        lambda r: r.json()["delivery_status"] == "RETURNED",
        "the return on the document",
    )
    document = shown.json()
    assert (document["return_reason"], document["note"]) == tuple(RETURNED.values())
    assert document["returned_at"].endswith("+07:00")  # WIB
    assert document["recipient_name"] is None


async def test_a_document_unknown_here_or_of_another_office_is_not_found(
    client: httpx.AsyncClient, event_log: EventLog
) -> None:
    handover = await Handover(documents=1).draft_and_sign(event_log)
    (dossier_id,) = handover.dossier_ids
    await get_until(
        client, f"/deliveries/{dossier_id}", COURIER, lambda r: r.status_code == 200, "it"
    )
    assert (await client.get(f"/deliveries/{uuid.uuid4()}", headers=COURIER)).status_code == 404
    other = await client.get(f"/deliveries/{dossier_id}", headers=OTHER_OFFICE)
    assert other.status_code == 404, other.text
    fo = await client.get(f"/deliveries/{dossier_id}", headers=token_for("FO"))
    assert fo.status_code == 403


async def test_a_document_shows_its_attempts_when_it_went_out_and_its_wrong_codes(
    client: httpx.AsyncClient, event_log: EventLog, redis: Redis
) -> None:
    handover = await Handover(documents=1).draft_and_sign(event_log)
    (dossier_id,) = handover.dossier_ids
    await get_until(
        client, f"/handovers/{handover.letter_id}", COURIER, lambda r: r.status_code == 200, "it"
    )
    await client.post(f"/handovers/{handover.letter_id}/accept", headers=COURIER)
    attempts = f"/deliveries/{dossier_id}/attempts"
    tried = await client.post(attempts, json={"reason": "RECIPIENT_MOVED"}, headers=COURIER)
    assert tried.status_code == 201, tried.text
    sent = await client.post(f"/deliveries/{dossier_id}/out-for-delivery", headers=COURIER)
    assert sent.status_code == 200, sent.text
    code = await receipt_code(event_log, redis, dossier_id)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    refused = await client.post(
        f"/deliveries/{dossier_id}/delivered", json={"receipt_code": wrong}, headers=COURIER
    )
    assert refused.status_code == 422, refused.text

    shown = await get_until(
        client,
        f"/deliveries/{dossier_id}",
        COURIER,
        lambda r: r.json()["wrong_codes"] == 1 and r.json()["attempts"] != [],
        "the attempt, the trip out and the wrong code on the document",
    )
    document = shown.json()
    assert (document["failed_attempts"], document["delivery_status"]) == (1, "WITH_COURIER")
    (attempt,) = document["attempts"]
    assert (attempt["attempt"], attempt["reason"], attempt["note"]) == (1, "RECIPIENT_MOVED", "")
    assert attempt["attempted_at"].endswith("+07:00")  # WIB
    assert document["out_for_delivery_at"].endswith("+07:00")
