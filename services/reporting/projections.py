"""The read models of the reporting service and the one function that folds an event
into them. Live consumption and `jasa audit replay` both call `project`, so what replay
rebuilds is what live built, by construction. Every row carries its office (the event's),
the first part of its key: each office's cards and reports stand apart."""

from datetime import UTC, datetime
from uuid import UUID

import orjson
from sqlmodel import Field, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from services.reporting.domain import SOP_STEP_OF_EVENT, elapsed_seconds
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


class ReportingDossier(SQLModel, table=True):
    """One file and where it is: the head of its control card."""

    __tablename__ = "reporting_dossier"
    office: str = Field(primary_key=True, max_length=8)
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
    office: str = Field(primary_key=True, max_length=8)
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
    office: str = Field(primary_key=True, max_length=8)
    recap_id: str = Field(primary_key=True, max_length=36)
    document_type: str = Field(max_length=16)
    dossier_ids: str = Field(description="JSON list, in the recap's order")


class ReportingLetter(SQLModel, table=True):
    __tablename__ = "reporting_letter"
    office: str = Field(primary_key=True, max_length=8)
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


def as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


async def project(session: AsyncSession, event: Envelope, seq: int) -> None:
    """Fold one event (number `seq` of the archive) into the read models."""
    data = event.data
    at = as_utc(event.occurred_at)
    if isinstance(data, DocumentRegistered):
        _initial(session, await _register(session, event.office, data, at), event, seq, at)
        return
    if isinstance(data, RecapCompiled):
        session.add(
            ReportingRecap(
                office=event.office,
                recap_id=str(data.recap_id),
                document_type=data.document_type.value,
                dossier_ids=orjson.dumps([str(d) for d in data.dossier_ids]).decode(),
            )
        )
    elif isinstance(data, LetterDrafted | LetterSigned | LetterRejected):
        await _record_letter(session, event.office, data)
    elif isinstance(data, PersonalDataErased):
        # Not an SOP step: the card stays as it was, its personal fields read erased.
        erased = await session.get(ReportingDossier, (event.office, str(data.dossier_id)))
        if erased is not None:
            erased.nik = erased.name = ERASED
        return
    for dossier in await _dossiers_named(session, event):
        _initial(session, dossier, event, seq, at)


async def _register(
    session: AsyncSession, office: str, data: DocumentRegistered, at: datetime
) -> ReportingDossier:
    dossier = await session.get(ReportingDossier, (office, str(data.dossier_id)))
    if dossier is None:
        dossier = ReportingDossier(
            office=office,
            dossier_id=str(data.dossier_id),
            status=DossierStatus.REGISTERED.value,
            registered_at=at,
            last_step_at=at,
            document_type="",
            document_number="",
            nik="",
            name="",
        )
        session.add(dossier)
    dossier.document_type = data.document_type.value
    dossier.document_number = data.document_number
    dossier.nik, dossier.name = data.nik, data.name
    return dossier


async def _record_letter(
    session: AsyncSession, office: str, data: LetterDrafted | LetterSigned | LetterRejected
) -> None:
    letter = await session.get(ReportingLetter, (office, str(data.letter_id)))
    if letter is None:
        letter = ReportingLetter(
            office=office, letter_id=str(data.letter_id), recap_id=str(data.recap_id), status=""
        )
        session.add(letter)
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
        recap = await session.get(ReportingRecap, (event.office, str(data.recap_id)))
        ids = orjson.loads(recap.dossier_ids) if recap else []
    elif isinstance(data, DocumentFlagged | FlagResolved | Delivered | Returned | ReturnReceived):
        ids = [data.dossier_id]
    else:
        return []
    found = [await session.get(ReportingDossier, (event.office, str(d))) for d in ids]
    # An event naming a dossier this office never registered has no card to go on.
    return [dossier for dossier in found if dossier is not None]


def _initial(
    session: AsyncSession, dossier: ReportingDossier, event: Envelope, seq: int, at: datetime
) -> None:
    """Put the officer's initials for this event on the dossier's card and move it on."""
    first = event.type == "DocumentRegistered"
    session.add(
        ReportingStep(
            office=dossier.office,
            dossier_id=dossier.dossier_id,
            seq=seq,
            sop_step=SOP_STEP_OF_EVENT[event.type],
            event=event.type,
            role=event.actor.role.value,
            officer_id=event.actor.officer_id,
            officer_name=event.actor.name,
            at=at,
            elapsed_seconds=None if first else elapsed_seconds(dossier.last_step_at, at),
        )
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
