"""How intake's read model follows the log.

It consumes the WHOLE office log (one consumer per office served; every row carries its
office and every lookup names it), so a dossier's status follows it through approval and
the courier. Each event is applied once (`claim_page`, same transaction), a page of
events at a time. Events may come out of order after a crash, so each part of a row
(status, flag, recap, letter) remembers the position of the event that set it and only
moves to a later one: applied in any order, the events leave the row as log order would."""

import uuid
from collections.abc import Sequence
from typing import Any

import orjson
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.intake.projections.page import (
    SEARCH,
    STEPS,
    add_dossier,
    add_new,
    find,
    on_card,
    page_of,
    write_new,
)
from services.intake.projections.tables import (
    IntakeDossier,
    IntakeRecap,
    IntakeStep,
    sort_key,
)
from services.intake.search import (
    digests_of,
    forget_dossier,
    index_dossier,
    search_rows,
)
from shared.blind_index import BlindIndex
from shared.bulk import Row
from shared.events import (
    Delivered,
    DocumentFlagged,
    DocumentRegistered,
    DossierCorrected,
    Envelope,
    FlagResolved,
    HandoverAccepted,
    LetterDrafted,
    LetterRejected,
    LetterSigned,
    PersonalDataErased,
    RecapCompiled,
    RejectionAddressed,
    Returned,
    ReturnReceived,
)
from shared.privacy import ERASED
from shared.store import position_key
from shared.vocabulary import STATUS_AFTER_EVENT, CorrectedField, DossierStatus


class NotYetKnown(Exception):
    """An event arrived before the one it builds on (after a crash): try it again later."""


async def _dossier(session: AsyncSession, office: str, dossier_id: uuid.UUID) -> IntakeDossier:
    row = await find(session, office, dossier_id)
    if row is None:
        raise NotYetKnown(f"dossier {dossier_id} is not registered in the read model yet")
    return row


async def _recap_dossiers(
    session: AsyncSession, office: str, recap_id: uuid.UUID
) -> list[IntakeDossier]:
    recap = await session.get(IntakeRecap, (office, recap_id))
    if recap is None:
        raise NotYetKnown(f"recap {recap_id} is not in the read model yet")
    return [await _dossier(session, office, d) for d in recap.dossier_id_list()]


def _move(row: IntakeDossier, event: Envelope, status: DossierStatus, **changes: Any) -> None:
    """Set a dossier's status, unless a later event already set it; `changes` to one part
    of the row (flag_*, recap_*, letter_*) likewise, by that part's own position."""
    assert event.position is not None
    if position_key(event.position) > position_key(row.status_position):
        row.status, row.status_position = status.value, event.position
        row.updated_at = event.occurred_at
    for part in {name.split("_")[0] for name in changes}:
        marker = f"{part}_position"
        if position_key(event.position) > position_key(getattr(row, marker)):
            setattr(row, marker, event.position)
            for name, value in changes.items():
                if name.startswith(f"{part}_"):
                    setattr(row, name, value)


def _registered_row(event: Envelope, data: DocumentRegistered) -> Row:
    """A new dossier's row; the parts no event has set yet take their columns' defaults."""
    assert event.position is not None
    return {
        "office": event.office,
        "dossier_id": data.dossier_id,
        "sort_key": sort_key(event.position),
        "nik": data.nik,
        "name": data.name,
        "address": data.address,
        "phone": data.phone,
        "document_type": data.document_type.value,
        "document_number": data.document_number,
        # Read after its erasure (out of order), the registration keeps no way to find it.
        "tracking_code": None if data.name == ERASED else data.tracking_code,
        "status": DossierStatus.REGISTERED.value,
        "status_position": event.position,
        "registered_at": event.occurred_at,
        "registered_by_id": event.actor.officer_id,
        "registered_by_name": event.actor.name,
        "updated_at": event.occurred_at,
    }


def _after(event: Envelope) -> DossierStatus:
    return STATUS_AFTER_EVENT[event.type]


def _steps(event: Envelope, dossier_ids: Sequence[uuid.UUID]) -> list[Row]:
    """The step an event is on the card of each dossier it concerns."""
    assert event.position is not None
    data: Any = event.data
    reason = getattr(data, "reason", None)
    # A delivery's note may name the recipient; a flag's or a return's says why it stopped.
    note = None if isinstance(data, Delivered) else getattr(data, "note", None)
    return [
        {
            "office": event.office,
            "dossier_id": dossier_id,
            "position": event.position,
            "event": event.type,
            "officer_id": event.actor.officer_id,
            "officer_name": event.actor.name,
            "role": event.actor.role.value,
            "at": event.occurred_at,
            "reason": str(reason) if reason is not None else None,
            "note": note or None,
            "letter_number": getattr(data, "letter_number", None),
        }
        for dossier_id in dossier_ids
    ]


async def apply_event(session: AsyncSession, event: Envelope, index: BlindIndex) -> None:
    """The change one event makes to the read model (the caller commits); `index` makes the
    digests an officer searches by."""
    await apply_events(session, [event], index)


async def _apply_one(session: AsyncSession, event: Envelope, index: BlindIndex) -> None:
    await _apply_to_dossiers(session, event, index)
    if event.type in STATUS_AFTER_EVENT:
        concerned = await _dossiers_concerned(session, event)
        # An event applied again leaves its steps as they are: they were added all at once.
        assert event.position is not None
        if concerned and not on_card(session, (event.office, concerned[0], event.position)):
            add_new(session, STEPS, _steps(event, concerned))


async def _dossiers_concerned(session: AsyncSession, event: Envelope) -> list[uuid.UUID]:
    data: Any = event.data
    if isinstance(data, LetterDrafted | LetterSigned | LetterRejected | RejectionAddressed):
        recap = await session.get(IntakeRecap, (event.office, data.recap_id))
        return recap.dossier_id_list() if recap is not None else []
    if isinstance(data, RecapCompiled | HandoverAccepted):
        return list(data.dossier_ids)
    dossier_id = getattr(data, "dossier_id", None)
    return [dossier_id] if dossier_id is not None else []


async def _apply_to_dossiers(session: AsyncSession, event: Envelope, index: BlindIndex) -> None:
    data: Any = event.data
    office = event.office
    if isinstance(data, DocumentRegistered):
        if await find(session, office, data.dossier_id) is None:
            add_dossier(session, (office, data.dossier_id), _registered_row(event, data))
            if data.nik != ERASED:
                digests = digests_of(
                    index, office, nik=data.nik, name=data.name, number=data.document_number
                )
                add_new(session, SEARCH, search_rows(office, data.dossier_id, digests))
    elif isinstance(data, DocumentFlagged):
        _move(
            await _dossier(session, office, data.dossier_id),
            event,
            _after(event),
            flag_reason=data.reason.value,
            flag_note=data.note,
        )
    elif isinstance(data, FlagResolved):
        row = await _dossier(session, office, data.dossier_id)
        _move(row, event, _after(event), flag_reason=None, flag_note=None)
    elif isinstance(data, DossierCorrected):
        await _correct(session, event, data, index)
    elif isinstance(data, RecapCompiled):
        await _apply_recap(session, event, data)
    elif isinstance(data, LetterDrafted | LetterSigned):
        status = _after(event)
        for row in await _recap_dossiers(session, office, data.recap_id):
            _move(row, event, status, letter_id=data.letter_id, letter_number=data.letter_number)
    elif isinstance(data, LetterRejected):
        for row in await _recap_dossiers(session, office, data.recap_id):
            _move(row, event, _after(event), letter_id=None, letter_number=None)
    elif isinstance(data, HandoverAccepted):
        for dossier_id in data.dossier_ids:
            _move(await _dossier(session, office, dossier_id), event, _after(event))
    elif isinstance(data, Delivered | Returned | ReturnReceived):
        _move(await _dossier(session, office, data.dossier_id), event, _after(event))
    elif isinstance(data, PersonalDataErased):
        await _erase_personal_data(session, office, data.dossier_id)


async def _correct(
    session: AsyncSession, event: Envelope, data: DossierCorrected, index: BlindIndex
) -> None:
    row = await _dossier(session, event.office, data.dossier_id)
    _move(row, event, _after(event))
    if row.nik == ERASED:
        return  # erased meanwhile: nothing of the person comes back
    for field in data.fields:
        setattr(row, field.value, getattr(data, field.value))
    if CorrectedField.NAME in data.fields and data.name is not None:
        digests = digests_of(index, event.office, nik=None, name=data.name, number=None)
        await write_new(session)  # the digests it replaces may be this page's
        await index_dossier(session, event.office, data.dossier_id, digests)


async def _erase_personal_data(session: AsyncSession, office: str, dossier_id: uuid.UUID) -> None:
    # No row yet (out of order after a crash): its DocumentRegistered, revealed after the
    # key was destroyed, will read erased by itself.
    await write_new(session)  # this page's digests and steps of the dossier go too
    await forget_dossier(session, office, dossier_id)
    row = await find(session, office, dossier_id)
    if row is not None:
        row.nik = row.name = row.address = row.phone = row.document_number = ERASED
        row.tracking_code = None  # the public page of an erased dossier shows nothing
        if row.flag_note:
            row.flag_note = ERASED  # a note may name the person as well as anything else
    steps = select(IntakeStep).where(
        IntakeStep.office == office,
        IntakeStep.dossier_id == dossier_id,
        col(IntakeStep.note).is_not(None),
    )
    for step in (await session.exec(steps)).all():
        step.note = ERASED


async def _apply_recap(session: AsyncSession, event: Envelope, data: RecapCompiled) -> None:
    if await session.get(IntakeRecap, (event.office, data.recap_id)) is None:
        session.add(
            IntakeRecap(
                office=event.office,
                recap_id=data.recap_id,
                document_type=data.document_type.value,
                dossier_ids=orjson.dumps([str(d) for d in data.dossier_ids]).decode(),
                compiled_at=event.occurred_at,
                compiled_by_id=event.actor.officer_id,
                compiled_by_name=event.actor.name,
                book_version=event.version,
            )
        )
    for dossier_id in data.dossier_ids:
        row = await _dossier(session, event.office, dossier_id)
        _move(row, event, DossierStatus.RECAPPED, recap_id=data.recap_id)


async def apply_events(
    session: AsyncSession, events: Sequence[Envelope], index: BlindIndex
) -> None:
    """`apply_event` for a page of events, the rows they name read in a few queries first."""
    async with page_of(session, events):
        for event in events:
            await _apply_one(session, event, index)
