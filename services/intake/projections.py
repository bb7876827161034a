"""How intake's read model (`services.intake.read_model`) follows the log.

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

from services.intake.config import Context
from services.intake.read_model import IntakeDossier, IntakeRecap, sort_key
from shared.consumer import PageHandler
from shared.db import chunks, claim_page, position_key
from shared.events import (
    Delivered,
    DocumentFlagged,
    DocumentRegistered,
    Envelope,
    FlagResolved,
    HandoverAccepted,
    LetterDrafted,
    LetterRejected,
    LetterSigned,
    PersonalDataErased,
    RecapCompiled,
    Returned,
    ReturnReceived,
)
from shared.privacy import ERASED
from shared.vocabulary import STATUS_AFTER_EVENT, DossierStatus

PROJECTION = "intake"


class NotYetKnown(Exception):
    """An event arrived before the one it builds on (after a crash): try it again later."""


# In `session.info`: the dossier rows a page of events names, looked up in one query before
# the page is applied (None for a dossier not in the read model), so that applying the page
# asks the database nothing more.
PAGE_ROWS = "intake_page_rows"
DossierKey = tuple[str, uuid.UUID]


async def _find(session: AsyncSession, office: str, dossier_id: uuid.UUID) -> IntakeDossier | None:
    known: dict[DossierKey, IntakeDossier | None] = session.info.get(PAGE_ROWS, {})
    key = (office, dossier_id)
    return known[key] if key in known else await session.get(IntakeDossier, key)


async def _dossier(session: AsyncSession, office: str, dossier_id: uuid.UUID) -> IntakeDossier:
    row = await _find(session, office, dossier_id)
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


def _registered_row(event: Envelope, data: DocumentRegistered) -> IntakeDossier:
    assert event.position is not None
    return IntakeDossier(
        office=event.office,
        dossier_id=data.dossier_id,
        sort_key=sort_key(event.position),
        nik=data.nik,
        name=data.name,
        address=data.address,
        phone=data.phone,
        document_type=data.document_type.value,
        document_number=data.document_number,
        status=DossierStatus.REGISTERED.value,
        status_position=event.position,
        registered_at=event.occurred_at,
        registered_by_id=event.actor.officer_id,
        registered_by_name=event.actor.name,
        updated_at=event.occurred_at,
    )


def _after(event: Envelope) -> DossierStatus:
    return STATUS_AFTER_EVENT[event.type]


async def apply_event(session: AsyncSession, event: Envelope) -> None:
    """The change one event makes to the read model (the caller commits)."""
    data: Any = event.data
    office = event.office
    if isinstance(data, DocumentRegistered):
        if await _find(session, office, data.dossier_id) is None:
            row = _registered_row(event, data)
            session.add(row)
            if PAGE_ROWS in session.info:
                session.info[PAGE_ROWS][(office, data.dossier_id)] = row
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


async def _erase_personal_data(session: AsyncSession, office: str, dossier_id: uuid.UUID) -> None:
    # No row yet (out of order after a crash): its DocumentRegistered, revealed after the
    # key was destroyed, will read erased by itself.
    row = await _find(session, office, dossier_id)
    if row is not None:
        row.nik = row.name = row.address = row.phone = row.document_number = ERASED


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
            )
        )
    for dossier_id in data.dossier_ids:
        row = await _dossier(session, event.office, dossier_id)
        _move(row, event, DossierStatus.RECAPPED, recap_id=data.recap_id)


def intake_projection(context: Context) -> PageHandler:
    """The consumer's handler: apply each page of events once, in one transaction."""

    async def apply_page(events: Sequence[Envelope]) -> None:
        async with context.sessions() as session, session.begin():
            await apply_events(session, await claim_page(session, PROJECTION, events))

    return PageHandler(apply_page)


async def apply_events(session: AsyncSession, events: Sequence[Envelope]) -> None:
    """`apply_event` for a page of events, the rows they name read in a few queries first."""
    session.info[PAGE_ROWS] = await _rows_named(session, events)
    try:
        for event in events:
            await apply_event(session, event)
    finally:
        del session.info[PAGE_ROWS]


async def _rows_named(
    session: AsyncSession, events: Sequence[Envelope]
) -> dict[DossierKey, IntakeDossier | None]:
    """Every dossier row the events name (directly, or through the recap a letter is for)."""
    named: set[DossierKey] = set()
    recaps: set[tuple[str, uuid.UUID]] = set()
    for event in events:
        data: Any = event.data
        if isinstance(data, LetterDrafted | LetterSigned | LetterRejected):
            recaps.add((event.office, data.recap_id))
        ids = getattr(data, "dossier_ids", None) or [getattr(data, "dossier_id", None)]
        named.update((event.office, d) for d in ids if d is not None)
    for office, recap_id in recaps:
        recap = await session.get(IntakeRecap, (office, recap_id))
        if recap is not None:
            named.update((office, d) for d in recap.dossier_id_list())
    found: dict[DossierKey, IntakeDossier | None] = dict.fromkeys(named)
    for office in {office for office, _ in named}:
        wanted = [d for o, d in named if o == office]
        for chunk in chunks(wanted):
            query = select(IntakeDossier).where(
                IntakeDossier.office == office, col(IntakeDossier.dossier_id).in_(chunk)
            )
            found.update(((row.office, row.dossier_id), row) for row in await session.exec(query))
    return found
