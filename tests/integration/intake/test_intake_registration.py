"""Registering a document for home delivery at the FO desk."""

import asyncio
import uuid
from typing import Any

import pytest

from services.intake.queries import registration_facts
from shared.events import Delivered, DocumentRegistered, new_event
from shared.log import EventLog
from shared.masking import mask_document_number, mask_nik
from shared.vocabulary import DocumentType, DossierStatus, Relationship
from tests.factories import FO as FO_ACTOR
from tests.integration.intake.conftest import (
    AUDITOR,
    COURIER,
    FO,
    FO_2,
    KASUBBAG,
    SEKRETARIS,
    Desk,
    a_document_number,
    a_nik,
)


async def test_a_signed_document_in_the_registry_is_registered(desk: Desk) -> None:
    entry = await desk.in_registry()
    response = await desk.client.post("/dossiers", json=desk.application(entry), headers=FO)
    assert response.status_code == 201, response.text
    dossier = response.json()
    assert dossier["status"] == "REGISTERED"
    assert dossier["phone"] == "+6281234567890"
    assert dossier["nik"] == mask_nik(entry.nik), "the NIK is shown masked, even to the FO"
    assert dossier["flagged"] is False
    assert dossier["registered_by"] == {"officer_id": "198001012005011001", "name": "Siti Rahma"}
    assert dossier["registered_at"].endswith("+07:00")
    seen = await desk.seen(dossier["dossier_id"])
    assert seen["status"] == "REGISTERED"
    shown = (seen["nik"], seen["document_number"])
    assert shown == (mask_nik(entry.nik), mask_document_number(entry.document_number))
    (event,) = await desk.log()
    assert event.type == "DocumentRegistered"
    assert event.actor.officer_id == "198001012005011001"


async def test_an_unsigned_document_is_registered_flagged_in_one_step(desk: Desk) -> None:
    entry = await desk.in_registry(signed=False)
    response = await desk.client.post("/dossiers", json=desk.application(entry), headers=FO)
    assert response.status_code == 201, response.text
    dossier = response.json()
    assert (dossier["status"], dossier["flag_reason"]) == ("FLAGGED", "UNSIGNED_DOCUMENT")
    registered, flagged = await desk.log()
    assert (registered.type, flagged.type) == ("DocumentRegistered", "DocumentFlagged")
    assert registered.stream_id == flagged.stream_id
    seen = await desk.seen(dossier["dossier_id"], lambda d: d["status"] == "FLAGGED")
    assert seen["flagged"] is True and seen["flag_reason"] == "UNSIGNED_DOCUMENT"


async def test_the_actor_comes_from_the_token_never_from_the_body(desk: Desk) -> None:
    entry = await desk.in_registry()
    body = {**desk.application(entry), "actor": {"officer_id": "x", "name": "y", "role": "FO"}}
    response = await desk.client.post("/dossiers", json=body, headers=FO)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "actor"
    assert await desk.log() == []


# --- the registry check -------------------------------------------------------------------


async def test_a_document_not_in_the_registry_is_refused_and_nothing_written(desk: Desk) -> None:
    entry = await desk.in_registry()
    body = desk.application(entry, document_number="KTP-NOT-THERE")
    response = await desk.client.post("/dossiers", json=body, headers=FO)
    assert response.status_code == 422
    problem = response.json()
    assert problem["errors"][0]["field"] == "document_number"
    assert "not in the population registry" in problem["detail"]
    assert await desk.log() == []


async def test_a_document_under_another_nik_is_refused(desk: Desk) -> None:
    entry = await desk.in_registry()
    body = desk.application(entry, nik=a_nik())
    response = await desk.client.post("/dossiers", json=body, headers=FO)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "nik"
    assert "under another NIK" in response.json()["detail"]
    assert entry.document_number not in response.json()["detail"]
    assert await desk.log() == []


async def test_a_document_of_another_type_is_refused(desk: Desk) -> None:
    entry = await desk.in_registry(DocumentType.KIA)
    body = desk.application(entry, document_type="KTP_EL")
    response = await desk.client.post("/dossiers", json=body, headers=FO)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "document_type"
    assert await desk.log() == []


# --- validation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("nik", "123", "exactly 16 digits"),
        ("nik", "1471013102900001", "not a real birth date"),
        ("nik", "1471011708450000", "must not be 0000"),
        ("nik", "9971011708450001", "not an Indonesian province"),
        ("nik", 1471011708450001, "must be text"),
        ("name", "  ", "must not be empty"),
        ("name", "R" * 101, "at most 100"),
        ("name", "Rina\x07", "control characters"),
        ("address", "", "must not be empty"),
        ("address", "Jl.\nSudirman", "control characters"),
        ("address", "A" * 301, "at most 300"),
        ("phone", "0761123456", "not a landline"),
        ("phone", "+6581234567", "must start with 08, 628 or +628"),
        ("phone", "08123", "not a valid Indonesian mobile"),
        ("document_type", "PASPOR", "AKTA"),
        ("document_number", "", "must not be empty"),
        ("document_number", "KTP;DROP", "only letters, digits"),
    ],
)
async def test_bad_input_is_a_422_naming_the_field_and_nothing_is_written(
    desk: Desk, field: str, value: object, says: str
) -> None:
    entry = await desk.in_registry()
    response = await desk.client.post(
        "/dossiers", json=desk.application(entry, **{field: value}), headers=FO
    )
    assert response.status_code == 422, response.text
    problem = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in problem["errors"]] == [field]
    assert says in problem["errors"][0]["message"]
    assert await desk.log() == []


async def test_a_missing_field_is_named(desk: Desk) -> None:
    entry = await desk.in_registry()
    body = desk.application(entry)
    del body["phone"]
    response = await desk.client.post("/dossiers", json=body, headers=FO)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "phone"


async def test_a_body_that_is_not_json_is_a_422(desk: Desk) -> None:
    response = await desk.client.post(
        "/dossiers", content=b"nik=1", headers={**FO, "content-type": "application/json"}
    )
    assert response.status_code == 422
    assert await desk.log() == []


# --- who may register ---------------------------------------------------------------------


async def test_registering_needs_a_valid_token(desk: Desk) -> None:
    entry = await desk.in_registry()
    assert (await desk.client.post("/dossiers", json=desk.application(entry))).status_code == 401
    bad = {"Authorization": "Bearer not-a-token"}
    response = await desk.client.post("/dossiers", json=desk.application(entry), headers=bad)
    assert response.status_code == 401
    assert await desk.log() == []


@pytest.mark.parametrize("headers", [KASUBBAG, SEKRETARIS, COURIER, AUDITOR])
async def test_only_the_fo_registers(desk: Desk, headers: dict[str, str]) -> None:
    entry = await desk.in_registry()
    response = await desk.client.post("/dossiers", json=desk.application(entry), headers=headers)
    assert response.status_code == 403
    assert "FO" in response.json()["detail"]
    assert await desk.log() == []


# --- once, and one at a time ---------------------------------------------------------------


async def test_a_retry_with_the_same_idempotency_key_returns_the_same_dossier(desk: Desk) -> None:
    entry = await desk.in_registry()
    headers = {**FO, "Idempotency-Key": "reg-1"}
    first = await desk.client.post("/dossiers", json=desk.application(entry), headers=headers)
    again = await desk.client.post("/dossiers", json=desk.application(entry), headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert len(await desk.log()) == 1


async def test_a_document_registered_before_ids_were_keyed_is_still_in_flight(
    desk: Desk,
) -> None:
    # As the code before December 2026 opened it: a plain uuid5 of the document.
    entry = await desk.in_registry()
    legacy = uuid.uuid5(uuid.NAMESPACE_URL, f"1471/KTP_EL/{entry.document_number}/1")
    registered = DocumentRegistered(
        dossier_id=legacy,
        nik=entry.nik,
        name="Rina Marlina",
        address="Jl. Sudirman No. 12, Pekanbaru",
        phone="+6281234567890",
        document_type=entry.document_type,
        document_number=entry.document_number,
    )
    stream = f"dossier-{legacy}"
    event = new_event(registered, stream_id=stream, actor=FO_ACTOR, office="1471")
    await desk.app.state.context.log.append(stream, [event], 0)
    await desk.seen(str(legacy))
    response = await desk.client.post("/dossiers", json=desk.application(entry), headers=FO_2)
    assert response.status_code == 409, response.text
    assert str(legacy) in response.json()["detail"]


async def test_a_document_in_flight_cannot_be_registered_twice(desk: Desk) -> None:
    entry = await desk.in_registry()
    first = await desk.register(entry)
    response = await desk.client.post("/dossiers", json=desk.application(entry), headers=FO_2)
    assert response.status_code == 409
    assert first["dossier_id"] in response.json()["detail"]
    assert "in flight" in response.json()["detail"]
    assert entry.document_number not in response.json()["detail"], "a KTP-el's number is a NIK"
    assert mask_document_number(entry.document_number) in response.json()["detail"]
    assert len(await desk.log()) == 1


async def test_two_fo_registering_the_same_document_at_once_get_one_201_and_one_409(
    desk: Desk,
) -> None:
    entry = await desk.in_registry()
    for _ in range(5):
        responses = await asyncio.gather(
            *(
                desk.client.post("/dossiers", json=desk.application(entry), headers=headers)
                for headers in (FO, FO_2, FO, FO_2)
            )
        )
        codes = sorted(r.status_code for r in responses)
        if _ == 0:
            assert codes == [201, 409, 409, 409]
        else:
            assert codes == [409, 409, 409, 409]
    assert [e.type for e in await desk.log()] == ["DocumentRegistered"]


async def test_a_delivered_document_can_be_registered_again_as_a_new_dossier(
    desk: Desk, event_log: EventLog
) -> None:
    entry = await desk.in_registry()
    first = await desk.register(entry)
    delivered = Delivered(
        dossier_id=uuid.UUID(first["dossier_id"]),
        letter_id=uuid.uuid4(),
        recipient_name="Rina",
        relationship=Relationship.SELF,
        note="",
    )
    await event_log.append(
        f"courier-{uuid.uuid4()}",
        [new_event(delivered, stream_id="x", actor=FO_ACTOR, office="1471")],
        0,
    )
    await desk.seen(first["dossier_id"], lambda d: d["status"] == "DELIVERED")
    second = await desk.register(entry)
    assert second["dossier_id"] != first["dossier_id"]
    third = await desk.client.post("/dossiers", json=desk.application(entry), headers=FO)
    assert third.status_code == 409
    assert second["dossier_id"] in third.json()["detail"]


async def test_the_registry_and_the_unfinished_dossier_are_read_together(desk: Desk) -> None:
    engine = desk.app.state.context.engine
    ktp = await desk.in_registry()
    kk = await desk.in_registry(DocumentType.KK, nik=ktp.nik, number=ktp.document_number)
    nothing = a_document_number()

    async def facts(kind: DocumentType, number: str) -> Any:
        async with engine.connect() as connection:
            return await registration_facts(connection, "1471", kind, number)

    entries, unfinished = await facts(DocumentType.KTP_EL, ktp.document_number)
    assert {e.document_type: e for e in entries} == {ktp.document_type: ktp, kk.document_type: kk}
    assert unfinished is None
    first = await desk.register(ktp)
    await desk.seen(first["dossier_id"])
    entries, unfinished = await facts(DocumentType.KTP_EL, ktp.document_number)
    assert sorted(e.document_type for e in entries) == [DocumentType.KK, DocumentType.KTP_EL]
    assert unfinished == (uuid.UUID(first["dossier_id"]), DossierStatus.REGISTERED)
    # The KK under the same number has no dossier; a number the registry lacks, nothing.
    assert (await facts(DocumentType.KK, ktp.document_number))[1] is None
    assert await facts(DocumentType.KTP_EL, nothing) == ([], None)
