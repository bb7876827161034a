"""The courier service's command handlers (services/courier/commands/) run on the
in-memory event store: the handover, each document delivered or returned, and a returned
document received back by the Kasubbag Umum. No Redis; the read model is a real SQLite
file (tests/unit/memory_context.py)."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services.approval.commands import reject
from services.courier.commands import (
    accept_handover,
    receive_return,
    record_delivery,
    record_return,
)
from services.courier.domain import Outcome, Proof, delivery_stream, handover_stream
from services.courier.photos import checked_photo
from shared.duties import DutyRule
from shared.errors import Conflict, NotFound, Unprocessable
from shared.events import Delivered, HandoverAccepted, Returned, ReturnReceived
from shared.identity import Officer
from shared.privacy import is_sealed
from shared.vocabulary import Relationship, ReturnReason, Role
from tests.door_support import photo
from tests.unit.memory_context import (
    COURIER,
    COURIER_ELSEWHERE,
    KASUBBAG,
    OFFICE,
    OTHER_KASUBBAG,
    SEKRETARIS,
    MemoryInstallation,
    dossier_of,
    drafted,
    handed_over,
    installation_on_memory,
    ktp,
    registered,
    signed,
)

RINA = ktp("1471014506900003", name="Rina Marlina")
# Without the citizen's receipt code, a delivery names who took it and brings a photo.
FAMILY_TOOK_IT = Proof(
    recipient_name="Joko Susilo", relationship=Relationship.FAMILY, note="diterima adik"
)
PHOTO = checked_photo(photo())
DEWI = ktp("1471015203880001", name="Dewi Lestari")
# The courier who brought a document back, now at the Kasubbag Umum's desk.
RETURNER_AS_KASUBBAG = Officer(COURIER.officer_id, COURIER.name, Role.KASUBBAG_UMUM, OFFICE)


@pytest.fixture
async def office(tmp_path: Path, empty_read_model: Path) -> AsyncIterator[MemoryInstallation]:
    async with installation_on_memory(tmp_path, empty_read_model) as installation:
        yield installation


async def delivered_to_family(office: MemoryInstallation, dossier_id: uuid.UUID) -> None:
    await record_delivery(
        office.courier,
        office.photos,
        COURIER,
        dossier_id,
        FAMILY_TOOK_IT,
        PHOTO,
    )


async def returned(office: MemoryInstallation, dossier_id: uuid.UUID) -> None:
    await record_return(
        office.courier, COURIER, dossier_id, reason=ReturnReason.RECIPIENT_NOT_HOME, note=""
    )


# --- handover -----------------------------------------------------------------------------


async def test_the_courier_takes_over_a_signed_letters_documents(
    office: MemoryInstallation,
) -> None:
    letter = await signed(office, RINA, DEWI)
    accepted = await accept_handover(office.courier, COURIER, letter.letter_id)
    documents = [dossier_of(RINA), dossier_of(DEWI)]
    assert (accepted.result.letter_id, accepted.result.recap_id) == (
        letter.letter_id,
        letter.recap_id,
    )
    assert accepted.result.dossier_ids == documents
    event = (await office.events())[-1]
    assert event.data == HandoverAccepted(
        letter_id=letter.letter_id, recap_id=letter.recap_id, dossier_ids=tuple(documents)
    )
    assert (event.actor, event.stream_id) == (COURIER.actor(), handover_stream(letter.letter_id))
    assert accepted.position == event.position


async def test_a_handover_is_accepted_once(office: MemoryInstallation) -> None:
    letter_id = await handed_over(office, RINA)
    with pytest.raises(Conflict, match="was already accepted"):
        await accept_handover(office.courier, COURIER, letter_id)
    assert [e.type for e in await office.events()].count("HandoverAccepted") == 1


async def test_a_letter_awaiting_signature_is_not_handed_over(
    office: MemoryInstallation,
) -> None:
    letter = await drafted(office, RINA)
    with pytest.raises(Conflict, match="is not signed yet"):
        await accept_handover(office.courier, COURIER, letter.letter_id)


async def test_a_rejected_letter_is_not_handed_over(office: MemoryInstallation) -> None:
    letter = await drafted(office, RINA)
    await reject(office.approval, SEKRETARIS, letter.letter_id, "lampiran kurang")
    await office.follow()
    with pytest.raises(Conflict, match="was rejected; there is nothing to hand over"):
        await accept_handover(office.courier, COURIER, letter.letter_id)


async def test_a_letter_unknown_to_the_courier_is_not_found(office: MemoryInstallation) -> None:
    letter = await signed(office, RINA)
    with pytest.raises(NotFound, match="there is no letter"):
        await accept_handover(office.courier, COURIER, uuid.uuid4())
    with pytest.raises(NotFound, match="there is no letter"):
        await accept_handover(office.courier, COURIER_ELSEWHERE, letter.letter_id)
    assert await office.events(COURIER_ELSEWHERE.office) == []


# --- delivery and return ------------------------------------------------------------------


async def test_a_delivery_records_who_received_the_document(office: MemoryInstallation) -> None:
    letter_id = await handed_over(office, RINA)
    outcome = await record_delivery(
        office.courier,
        office.photos,
        COURIER,
        dossier_of(RINA),
        FAMILY_TOOK_IT,
        PHOTO,
    )
    assert (outcome.result.letter_id, outcome.result.delivery_status) == (
        letter_id,
        Outcome.DELIVERED,
    )
    event = (await office.events())[-1]
    assert event.data == Delivered(
        dossier_id=dossier_of(RINA),
        letter_id=letter_id,
        recipient_name="Joko Susilo",
        relationship=Relationship.FAMILY,
        note="diterima adik",
        photo_sha256=PHOTO.sha256,
    )
    assert (event.actor, event.stream_id) == (COURIER.actor(), delivery_stream(dossier_of(RINA)))


async def test_the_recipients_name_is_sealed_in_the_log(office: MemoryInstallation) -> None:
    await handed_over(office, RINA)
    await delivered_to_family(office, dossier_of(RINA))
    record = (await office.stores[OFFICE].read())[-1]
    assert b"Joko" not in record.body
    stored = (await office.log().read())[-1]
    assert isinstance(stored.data, Delivered) and is_sealed(stored.data.recipient_name)


async def test_a_document_is_delivered_once_and_then_cannot_be_returned(
    office: MemoryInstallation,
) -> None:
    await handed_over(office, RINA)
    await delivered_to_family(office, dossier_of(RINA))
    with pytest.raises(Conflict, match="was already delivered"):
        await delivered_to_family(office, dossier_of(RINA))
    with pytest.raises(Conflict, match="was delivered; it cannot be returned"):
        await returned(office, dossier_of(RINA))
    assert [e.type for e in await office.events()].count("Delivered") == 1


async def test_a_delivery_and_a_return_recorded_at_once_give_one_outcome_and_one_refusal(
    office: MemoryInstallation,
) -> None:
    await handed_over(office, RINA)
    # Both read the document with the courier; the log lets one outcome in, and the other,
    # decided again, is refused with the reason the first one gives.
    outcomes = await asyncio.gather(
        delivered_to_family(office, dossier_of(RINA)),
        returned(office, dossier_of(RINA)),
        return_exceptions=True,
    )
    assert [type(o) for o in outcomes].count(Conflict) == 1
    kept = [e.type for e in await office.events() if e.type in ("Delivered", "Returned")]
    assert len(kept) == 1


async def test_documents_of_a_handover_not_yet_accepted_are_neither_delivered_nor_returned(
    office: MemoryInstallation,
) -> None:
    await signed(office, RINA)
    with pytest.raises(Conflict, match="has not been accepted yet"):
        await delivered_to_family(office, dossier_of(RINA))
    with pytest.raises(Conflict, match="has not been accepted yet"):
        await returned(office, dossier_of(RINA))


async def test_a_document_not_on_a_signed_letter_has_nothing_to_hand_over(
    office: MemoryInstallation,
) -> None:
    await drafted(office, RINA)
    with pytest.raises(Conflict, match="not on a signed cover letter yet"):
        await delivered_to_family(office, dossier_of(RINA))


async def test_a_document_unknown_to_the_courier_is_not_found(
    office: MemoryInstallation,
) -> None:
    await handed_over(office, RINA)
    with pytest.raises(NotFound, match="there is no document"):
        await delivered_to_family(office, uuid.uuid4())
    with pytest.raises(NotFound, match="there is no document"):
        await record_return(
            office.courier,
            COURIER_ELSEWHERE,
            dossier_of(RINA),
            reason=ReturnReason.REFUSED,
            note="",
        )


async def test_a_return_records_its_reason(office: MemoryInstallation) -> None:
    letter_id = await handed_over(office, RINA)
    outcome = await record_return(
        office.courier,
        COURIER,
        dossier_of(RINA),
        reason=ReturnReason.ADDRESS_NOT_FOUND,
        note="rumah kosong",
    )
    assert outcome.result.delivery_status is Outcome.RETURNED
    event = (await office.events())[-1]
    assert event.data == Returned(
        dossier_id=dossier_of(RINA),
        letter_id=letter_id,
        reason=ReturnReason.ADDRESS_NOT_FOUND,
        note="rumah kosong",
    )
    assert event.actor == COURIER.actor()


async def test_a_return_for_another_reason_must_say_why(office: MemoryInstallation) -> None:
    await handed_over(office, RINA)
    before = await office.events()
    with pytest.raises(Unprocessable, match="note") as refused:
        await record_return(
            office.courier, COURIER, dossier_of(RINA), reason=ReturnReason.OTHER, note=""
        )
    assert [error["field"] for error in refused.value.errors or []] == ["note"]
    assert await office.events() == before


# --- a return received back ---------------------------------------------------------------


async def test_the_kasubbag_umum_receives_a_returned_document_back(
    office: MemoryInstallation,
) -> None:
    letter_id = await handed_over(office, RINA)
    await returned(office, dossier_of(RINA))
    outcome = await receive_return(office.courier, KASUBBAG, dossier_of(RINA))
    assert (outcome.result.letter_id, outcome.result.delivery_status) == (
        letter_id,
        Outcome.RECEIVED_BACK,
    )
    event = (await office.events())[-1]
    assert event.data == ReturnReceived(dossier_id=dossier_of(RINA), letter_id=letter_id)
    assert (event.actor, event.stream_id) == (KASUBBAG.actor(), delivery_stream(dossier_of(RINA)))


async def test_whoever_returned_a_document_cannot_receive_it_back(
    office: MemoryInstallation,
) -> None:
    await handed_over(office, RINA)
    await returned(office, dossier_of(RINA))
    with pytest.raises(Conflict, match="cannot also receive it back"):
        await receive_return(office.courier, RETURNER_AS_KASUBBAG, dossier_of(RINA))
    assert "ReturnReceived" not in [e.type for e in await office.events()]


async def test_an_office_that_relaxes_the_rule_lets_the_returner_receive_it(
    tmp_path: Path, empty_read_model: Path
) -> None:
    async with installation_on_memory(
        tmp_path, empty_read_model, relaxed=[DutyRule.RECEIVE_OWN_RETURN]
    ) as office:
        await handed_over(office, RINA)
        await returned(office, dossier_of(RINA))
        outcome = await receive_return(office.courier, RETURNER_AS_KASUBBAG, dossier_of(RINA))
        assert outcome.result.delivery_status is Outcome.RECEIVED_BACK


async def test_only_a_returned_document_is_received_back_and_only_once(
    office: MemoryInstallation,
) -> None:
    await handed_over(office, RINA, DEWI)
    with pytest.raises(Conflict, match="was not returned by the courier"):
        await receive_return(office.courier, KASUBBAG, dossier_of(RINA))
    await delivered_to_family(office, dossier_of(RINA))
    with pytest.raises(Conflict, match="was not returned by the courier"):
        await receive_return(office.courier, KASUBBAG, dossier_of(RINA))
    await returned(office, dossier_of(DEWI))
    await receive_return(office.courier, KASUBBAG, dossier_of(DEWI))
    with pytest.raises(Conflict, match="was already received back"):
        await receive_return(office.courier, OTHER_KASUBBAG, dossier_of(DEWI))


async def test_receiving_a_document_nobody_knows_is_not_found(
    office: MemoryInstallation,
) -> None:
    with pytest.raises(NotFound, match="there is no document"):
        await receive_return(office.courier, KASUBBAG, uuid.uuid4())


async def test_a_document_still_at_the_office_is_not_received_back(
    office: MemoryInstallation,
) -> None:
    await registered(office, RINA)
    with pytest.raises(Conflict, match="not on a signed cover letter yet"):
        await receive_return(office.courier, KASUBBAG, dossier_of(RINA))
    assert [e.type for e in await office.events()] == ["DocumentRegistered"]
