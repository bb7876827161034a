"""The read model follows a dossier through the whole office log, once per event."""

import uuid
from typing import Any

import pytest

from services.intake.consumers import projection
from services.intake.projections import PROJECTION, IntakeDossier, NotYetKnown, apply_event
from services.intake.queries import dossier_steps
from shared.blind_index import BlindIndex
from shared.claims import claim_position, claim_positions, projection_of
from shared.events import (
    Delivered,
    EventData,
    HandoverAccepted,
    LetterDrafted,
    LetterRejected,
    LetterSigned,
    RejectionAddressed,
    Returned,
    ReturnReceived,
    new_event,
)
from shared.log import EventLog
from shared.vocabulary import DocumentType, Relationship, ReturnReason
from tests.factories import FO as FO_ACTOR
from tests.factories import flagged, registered
from tests.integration.intake.conftest import FO, KASUBBAG, SEKRETARIS, Desk

INDEX = BlindIndex.from_master_key(bytes(32))


async def emit(event_log: EventLog, data: EventData) -> Any:
    """An event another service would append."""
    stream = f"other-{uuid.uuid4()}"
    (event,) = await event_log.append(
        stream, [new_event(data, stream_id=stream, actor=FO_ACTOR, office="1471")], 0
    )
    return event


async def recapped_pair(desk: Desk) -> tuple[list[str], uuid.UUID]:
    ids = [(await desk.registered_and_seen(DocumentType.AKTA))["dossier_id"] for _ in range(2)]
    recap = (await desk.client.post("/recaps", json={"document_type": "AKTA"}, headers=FO)).json()
    for dossier_id in ids:
        await desk.seen(dossier_id, lambda d: d["status"] == "RECAPPED")
    return ids, uuid.UUID(recap["recap_id"])


async def test_a_dossier_s_status_follows_letters_handover_and_delivery(
    desk: Desk, event_log: EventLog
) -> None:
    (first, second), recap_id = await recapped_pair(desk)
    letter_id = uuid.uuid4()
    number = "470/Dukcapil-PDIP/0001/2026"

    await emit(
        event_log, LetterDrafted(letter_id=letter_id, letter_number=number, recap_id=recap_id)
    )
    drafted = await desk.seen(first, lambda d: d["status"] == "LETTER_DRAFTED")
    assert drafted["letter_number"] == number

    await emit(
        event_log, LetterSigned(letter_id=letter_id, letter_number=number, recap_id=recap_id)
    )
    await desk.seen(second, lambda d: d["status"] == "LETTER_SIGNED")

    await emit(
        event_log,
        HandoverAccepted(
            letter_id=letter_id,
            recap_id=recap_id,
            dossier_ids=(uuid.UUID(first), uuid.UUID(second)),
        ),
    )
    await desk.seen(second, lambda d: d["status"] == "WITH_COURIER")

    await emit(
        event_log,
        Delivered(
            dossier_id=uuid.UUID(first),
            letter_id=letter_id,
            recipient_name="Rina",
            relationship=Relationship.SELF,
            note="",
        ),
    )
    await emit(
        event_log,
        Returned(
            dossier_id=uuid.UUID(second),
            letter_id=letter_id,
            reason=ReturnReason.ADDRESS_NOT_FOUND,
            note="rumah kosong",
        ),
    )
    await desk.seen(first, lambda d: d["status"] == "DELIVERED")
    await desk.seen(second, lambda d: d["status"] == "RETURNED")

    await emit(event_log, ReturnReceived(dossier_id=uuid.UUID(second), letter_id=letter_id))
    await desk.seen(second, lambda d: d["status"] == "RECEIVED_BACK")


async def test_a_rejected_letter_puts_its_dossiers_back_to_recapped(
    desk: Desk, event_log: EventLog
) -> None:
    (first, _), recap_id = await recapped_pair(desk)
    letter_id = uuid.uuid4()
    await emit(
        event_log, LetterDrafted(letter_id=letter_id, letter_number="N/1", recap_id=recap_id)
    )
    await desk.seen(first, lambda d: d["status"] == "LETTER_DRAFTED")
    await emit(event_log, LetterRejected(letter_id=letter_id, recap_id=recap_id, reason="salah"))
    back = await desk.seen(first, lambda d: d["status"] == "RECAPPED")
    assert back["letter_id"] is None and back["recap_id"] == str(recap_id)


async def test_a_redraft_that_answers_a_rejection_goes_on_the_cards_of_its_recaps_dossiers(
    desk: Desk, event_log: EventLog
) -> None:
    (first, second), recap_id = await recapped_pair(desk)
    rejected, redrafted = uuid.uuid4(), uuid.uuid4()
    await emit(event_log, LetterDrafted(letter_id=rejected, letter_number="N/1", recap_id=recap_id))
    await emit(event_log, LetterRejected(letter_id=rejected, recap_id=recap_id, reason="salah"))
    await emit(
        event_log, LetterDrafted(letter_id=redrafted, letter_number="N/2", recap_id=recap_id)
    )
    await emit(
        event_log,
        RejectionAddressed(
            letter_id=redrafted,
            rejected_letter_id=rejected,
            rejected_letter_number="N/1",
            recap_id=recap_id,
            fix="nomor diperbaiki",
        ),
    )
    await emit(event_log, LetterSigned(letter_id=redrafted, letter_number="N/2", recap_id=recap_id))
    await desk.seen(second, lambda d: d["status"] == "LETTER_SIGNED")
    for dossier_id in (first, second):
        events = [step.event for step in await steps_of(desk, dossier_id)]
        assert events[-2:] == ["RejectionAddressed", "LetterSigned"]


async def test_a_redelivered_event_is_applied_once_and_an_old_one_never_sets_status_back(
    desk: Desk, event_log: EventLog
) -> None:
    (first, _), recap_id = await recapped_pair(desk)
    letter_id = uuid.uuid4()
    drafted = await emit(
        event_log, LetterDrafted(letter_id=letter_id, letter_number="N/2", recap_id=recap_id)
    )
    await emit(event_log, LetterSigned(letter_id=letter_id, letter_number="N/2", recap_id=recap_id))
    await desk.seen(first, lambda d: d["status"] == "LETTER_SIGNED")

    context = desk.app.state.context
    handle = projection(context)
    await handle(drafted)  # delivered again, after the later event
    async with context.sessions() as session:
        row = await session.get(IntakeDossier, ("1471", uuid.UUID(first)))
        assert row is not None and row.status == "LETTER_SIGNED"
        assert not await claim_position(
            session, projection_of(PROJECTION, "1471"), drafted.position
        )
        await session.rollback()

    # Even an event not yet claimed, if older than the status, leaves the status alone.
    async with context.sessions() as session, session.begin():
        await apply_event(session, drafted, INDEX)
    assert (await desk.seen(first))["status"] == "LETTER_SIGNED"


async def test_the_kasubbag_and_sekretaris_may_read_dossiers(desk: Desk) -> None:
    dossier = await desk.registered_and_seen()
    for headers in (KASUBBAG, SEKRETARIS):
        response = await desk.client.get(f"/dossiers/{dossier['dossier_id']}", headers=headers)
        assert response.status_code == 200


async def test_an_event_arriving_before_its_dossier_is_left_for_a_retry(desk: Desk) -> None:
    dossier_id = uuid.uuid4()
    early = flagged(dossier_id).model_copy(update={"position": "1-0"})
    handle = projection(desk.app.state.context)
    with pytest.raises(NotYetKnown):
        await handle(early)
    async with desk.app.state.context.sessions() as session:
        assert await claim_position(
            session, projection_of(PROJECTION, "1471"), "1-0"
        )  # not marked as applied
        await session.rollback()
    await handle(registered(dossier_id).model_copy(update={"position": "0-1"}))
    await handle(early)
    assert (await desk.seen(str(dossier_id)))["status"] == "FLAGGED"


async def test_a_page_with_a_registration_and_its_flag_is_applied_once_in_one_go(
    desk: Desk,
) -> None:
    dossier_id = uuid.uuid4()
    page = [
        registered(dossier_id).model_copy(update={"position": "2-0"}),
        flagged(dossier_id).model_copy(update={"position": "2-1"}),
    ]
    context = desk.app.state.context
    handle = projection(context)
    await handle.apply_page(page)
    await handle.apply_page(page)  # the same page delivered again
    assert (await desk.seen(str(dossier_id)))["status"] == "FLAGGED"
    async with context.sessions() as session:
        claimed = await claim_positions(session, projection_of(PROJECTION, "1471"), ["2-0", "2-1"])
        assert claimed == set()  # both applied before
        await session.rollback()


async def steps_of(desk: Desk, dossier_id: str) -> list[Any]:
    async with desk.app.state.context.sessions() as session:
        return await dossier_steps(session, "1471", uuid.UUID(dossier_id))


async def test_a_dossier_s_control_card_holds_every_step_with_its_officer_once(
    desk: Desk, event_log: EventLog
) -> None:
    (first, second), recap_id = await recapped_pair(desk)
    letter_id = uuid.uuid4()
    drafted = await emit(
        event_log, LetterDrafted(letter_id=letter_id, letter_number="N/7", recap_id=recap_id)
    )
    await emit(event_log, LetterSigned(letter_id=letter_id, letter_number="N/7", recap_id=recap_id))
    await desk.seen(second, lambda d: d["status"] == "LETTER_SIGNED")
    await projection(desk.app.state.context)(drafted)  # delivered again
    async with desk.app.state.context.sessions() as session, session.begin():
        await apply_event(session, drafted, INDEX)  # and applied again, unclaimed

    for dossier_id in (first, second):
        card = await steps_of(desk, dossier_id)
        assert [step.event for step in card] == [
            "DocumentRegistered",
            "RecapCompiled",
            "LetterDrafted",
            "LetterSigned",
        ]
        assert card[2].letter_number == "N/7"
        assert all(step.by.name and step.at.utcoffset() is not None for step in card)


async def test_a_delivery_s_recipient_is_not_kept_on_the_card(
    desk: Desk, event_log: EventLog
) -> None:
    (first, _), _ = await recapped_pair(desk)
    await emit(
        event_log,
        Delivered(
            dossier_id=uuid.UUID(first),
            letter_id=uuid.uuid4(),
            recipient_name="Budi Santoso",
            relationship=Relationship.FAMILY,
            note="diterima kakaknya Budi Santoso",
        ),
    )
    await desk.seen(first, lambda d: d["status"] == "DELIVERED")
    delivered = (await steps_of(desk, first))[-1]
    assert delivered.event == "Delivered"
    assert "Budi" not in f"{delivered.reason} {delivered.note}"
