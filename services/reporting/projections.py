"""The read models of the reporting service and the one function that folds an event
into them. Live consumption and `jasa audit replay` both call `project`, so what replay
rebuilds is what live built, by construction."""

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar
from uuid import UUID

import orjson
from sqlalchemy import insert
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.reporting.domain import SOP_STEP_OF_EVENT, STATUS_AFTER_EVENT, elapsed_seconds
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
    RecapCompiled,
    Returned,
    ReturnReceived,
)
from shared.vocabulary import DossierStatus


class ReportingDossier(SQLModel, table=True):
    """One file and where it is: the head of its control card."""

    __tablename__ = "reporting_dossier"
    dossier_id: str = Field(primary_key=True, max_length=36)
    document_type: str = Field(index=True, max_length=16)
    document_number: str = Field(max_length=64)
    nik: str = Field(max_length=32)
    name: str = Field(max_length=200)
    status: str = Field(index=True, max_length=20)
    registered_at: datetime = Field(index=True)  # every time stored here is UTC
    last_step_at: datetime
    recap_id: str | None = Field(default=None, max_length=36)
    letter_id: str | None = Field(default=None, max_length=36)
    letter_number: str | None = Field(default=None, max_length=64)
    delivered_at: datetime | None = None
    returned_seq: int | None = Field(default=None, index=True)
    returned_at: datetime | None = None
    returned_reason: str | None = Field(default=None, max_length=32)
    returned_note: str | None = None
    received_back_at: datetime | None = None


class ReportingStep(SQLModel, table=True):
    """One initialled line of a control card: who did which SOP step, and when."""

    __tablename__ = "reporting_step"
    dossier_id: str = Field(primary_key=True, max_length=36)
    seq: int = Field(primary_key=True, description="the event's number in the archive")
    sop_step: int = Field(index=True)
    event: str = Field(max_length=40)
    role: str = Field(max_length=20)
    officer_id: str = Field(index=True, max_length=64)
    officer_name: str = Field(max_length=200)
    at: datetime
    elapsed_seconds: float | None = None


class ReportingRecap(SQLModel, table=True):
    __tablename__ = "reporting_recap"
    recap_id: str = Field(primary_key=True, max_length=36)
    document_type: str = Field(max_length=16)
    dossier_ids: str = Field(description="JSON list, in the recap's order")


class ReportingLetter(SQLModel, table=True):
    __tablename__ = "reporting_letter"
    letter_id: str = Field(primary_key=True, max_length=36)
    recap_id: str = Field(max_length=36)
    letter_number: str | None = Field(default=None, max_length=64)
    status: str = Field(max_length=20)


LETTER_STATUS = {"LetterDrafted": "DRAFTED", "LetterSigned": "SIGNED", "LetterRejected": "REJECTED"}

READ_MODELS: tuple[type[SQLModel], ...] = (
    ReportingDossier,
    ReportingStep,
    ReportingRecap,
    ReportingLetter,
)


Row = TypeVar("Row", ReportingDossier, ReportingRecap, ReportingLetter)
_ROWS = "reporting.rows"  # session.info: (model, key) -> row, or None when known absent


def _rows(session: AsyncSession) -> dict[tuple[type[SQLModel], str], Any]:
    rows: dict[tuple[type[SQLModel], str], Any] | None = session.info.get(_ROWS)
    if rows is None:
        rows = session.info[_ROWS] = {}
    return rows


async def _get(session: AsyncSession, model: type[Row], key: str) -> Row | None:
    """A row of this transaction: from the rows already seen (pending ones too), else the
    database once. No flush before it: what this transaction added is found in the cache."""
    rows = _rows(session)
    if (model, key) in rows:
        return rows[(model, key)]  # type: ignore[no-any-return]
    with session.no_autoflush:
        row = await session.get(model, key)
    rows[(model, key)] = row
    return row


def _add(session: AsyncSession, row: SQLModel, key: str) -> None:
    session.add(row)
    _rows(session)[(type(row), key)] = row


_INSERTS = "reporting.inserts"  # session.info: model -> rows to insert, in order


def insert_later(session: AsyncSession, model: type[SQLModel], row: dict[str, Any]) -> None:
    """A new row of an append-only table (archive, card lines): inserted with the others of
    its table in one statement by `write_inserts`, without building an ORM object."""
    session.info.setdefault(_INSERTS, {}).setdefault(model, []).append(row)


async def write_inserts(session: AsyncSession) -> None:
    """Insert the rows `insert_later` gathered, one executemany per table, in this transaction."""
    pending: dict[type[SQLModel], list[dict[str, Any]]] = session.info.pop(_INSERTS, {})
    for model, rows in pending.items():
        await session.execute(insert(model.__table__), rows)  # type: ignore[attr-defined]


async def preload(session: AsyncSession, events: Sequence[Envelope]) -> None:
    """Read at once every row a page of events will touch (one query per table), so that
    projecting the page asks the database nothing more. Replay calls it for each page."""
    recaps = {str(d.recap_id) for d in _datas(events) if hasattr(d, "recap_id")}
    letters = {str(d.letter_id) for d in _datas(events) if hasattr(d, "letter_id")}
    await _load(session, ReportingRecap, col(ReportingRecap.recap_id), recaps)
    await _load(session, ReportingLetter, col(ReportingLetter.letter_id), letters)
    dossiers = {str(d.dossier_id) for d in _datas(events) if hasattr(d, "dossier_id")}
    for data in _datas(events):
        if isinstance(data, RecapCompiled | HandoverAccepted):
            dossiers.update(str(d) for d in data.dossier_ids)
    for recap_id in recaps:
        recap = _rows(session).get((ReportingRecap, recap_id))
        if recap is not None:
            dossiers.update(orjson.loads(recap.dossier_ids))
    await _load(session, ReportingDossier, col(ReportingDossier.dossier_id), dossiers)


def _datas(events: Sequence[Envelope]) -> Iterable[Any]:
    return (event.data for event in events)


async def _load(session: AsyncSession, model: type[Row], key: Any, wanted: set[str]) -> None:
    rows = _rows(session)
    wanted = {k for k in wanted if (model, k) not in rows}
    ordered = sorted(wanted)
    for start in range(0, len(ordered), 500):  # SQLite allows a few hundred parameters
        chunk = ordered[start : start + 500]
        with session.no_autoflush:
            found = (await session.exec(select(model).where(key.in_(chunk)))).all()
        for row in found:
            rows[(model, str(getattr(row, key.key)))] = row
    for k in wanted:
        rows.setdefault((model, k), None)


def as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


async def project(session: AsyncSession, event: Envelope, seq: int) -> None:
    """Fold one event (number `seq` of the archive) into the read models."""
    data = event.data
    at = as_utc(event.occurred_at)
    if isinstance(data, DocumentRegistered):
        _initial(session, await _register(session, data, at), event, seq, at)
        return
    if isinstance(data, RecapCompiled):
        recap_id = str(data.recap_id)
        _add(
            session,
            ReportingRecap(
                recap_id=recap_id,
                document_type=data.document_type.value,
                dossier_ids=orjson.dumps([str(d) for d in data.dossier_ids]).decode(),
            ),
            recap_id,
        )
    elif isinstance(data, LetterDrafted | LetterSigned | LetterRejected):
        await _record_letter(session, data)
    for dossier in await _dossiers_named(session, event):
        _initial(session, dossier, event, seq, at)


async def _register(
    session: AsyncSession, data: DocumentRegistered, at: datetime
) -> ReportingDossier:
    dossier_id = str(data.dossier_id)
    dossier = await _get(session, ReportingDossier, dossier_id)
    if dossier is None:
        dossier = ReportingDossier(
            dossier_id=dossier_id,
            status=DossierStatus.REGISTERED.value,
            registered_at=at,
            last_step_at=at,
            document_type="",
            document_number="",
            nik="",
            name="",
        )
        _add(session, dossier, dossier_id)
    dossier.document_type = data.document_type.value
    dossier.document_number = data.document_number
    dossier.nik, dossier.name = data.nik, data.name
    return dossier


async def _record_letter(
    session: AsyncSession, data: LetterDrafted | LetterSigned | LetterRejected
) -> None:
    letter_id = str(data.letter_id)
    letter = await _get(session, ReportingLetter, letter_id)
    if letter is None:
        letter = ReportingLetter(letter_id=letter_id, recap_id=str(data.recap_id), status="")
        _add(session, letter, letter_id)
    if isinstance(data, LetterDrafted | LetterSigned):
        letter.letter_number = data.letter_number
    letter.status = LETTER_STATUS[data.type_name()]


async def _dossiers_named(session: AsyncSession, event: Envelope) -> list[ReportingDossier]:
    """Every dossier an event applies to: its own, its recap's, or the handover's list."""
    data = event.data
    ids: list[UUID] | list[str]
    if isinstance(data, RecapCompiled | HandoverAccepted):
        ids = list(data.dossier_ids)
    elif isinstance(data, LetterDrafted | LetterSigned | LetterRejected):
        recap = await _get(session, ReportingRecap, str(data.recap_id))
        ids = orjson.loads(recap.dossier_ids) if recap else []
    elif isinstance(data, DocumentFlagged | FlagResolved | Delivered | Returned | ReturnReceived):
        ids = [data.dossier_id]
    else:
        return []
    found = [await _get(session, ReportingDossier, str(dossier_id)) for dossier_id in ids]
    # An event naming a dossier this office never registered has no card to go on.
    return [dossier for dossier in found if dossier is not None]


def _initial(
    session: AsyncSession, dossier: ReportingDossier, event: Envelope, seq: int, at: datetime
) -> None:
    """Put the officer's initials for this event on the dossier's card and move it on."""
    first = event.type == "DocumentRegistered"
    insert_later(
        session,
        ReportingStep,
        {
            "dossier_id": dossier.dossier_id,
            "seq": seq,
            "sop_step": SOP_STEP_OF_EVENT[event.type],
            "event": event.type,
            "role": event.actor.role.value,
            "officer_id": event.actor.officer_id,
            "officer_name": event.actor.name,
            "at": at,
            "elapsed_seconds": None if first else elapsed_seconds(dossier.last_step_at, at),
        },
    )
    dossier.status = STATUS_AFTER_EVENT[event.type].value
    dossier.last_step_at = at
    data = event.data
    if isinstance(data, RecapCompiled):
        dossier.recap_id = str(data.recap_id)
    elif isinstance(data, LetterDrafted | LetterSigned):
        dossier.letter_id, dossier.letter_number = str(data.letter_id), data.letter_number
    elif isinstance(data, Delivered):
        dossier.delivered_at = at
    elif isinstance(data, Returned):
        dossier.returned_seq, dossier.returned_at = seq, at
        dossier.returned_reason, dossier.returned_note = data.reason.value, data.note
        dossier.received_back_at = None
    elif isinstance(data, ReturnReceived):
        dossier.received_back_at = at
