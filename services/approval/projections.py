"""Approval's read model of the office log: the recaps intake compiled (with the details of
their documents, for the printed list; no NIK is kept) and the letters this service wrote.

Each event is applied once (`claim_page` in the same transaction, `consumers`), a page at
a time. Delivery may come out of order after a crash, so every row is an upsert that only
fills in what its event knows, and a recap's status is computed from its letters when it is read.
Every row carries its office (the event's), part of its key: offices never see each
other's rows."""

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import JSON, Column, DateTime
from sqlmodel import Field, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from services.approval.domain import LetterStatus
from shared.context import ServiceContext
from shared.db import add_missing_columns
from shared.events import (
    DocumentRegistered,
    DossierCorrected,
    Envelope,
    LetterDrafted,
    LetterRejected,
    LetterSigned,
    PersonalDataErased,
    RecapCompiled,
    RejectionAddressed,
)
from shared.privacy import ERASED

PROJECTION = "approval"


def sort_key(position: str) -> str:
    """A log position as a string that sorts in log order."""
    milliseconds, sequence = position.split("-")
    return f"{int(milliseconds):016d}-{int(sequence):010d}"


def _moment(nullable: bool = False) -> Column:  # type: ignore[type-arg]
    return Column(DateTime(timezone=True), nullable=nullable)


class ApprovalDossier(SQLModel, table=True):
    """What the printed recap list shows of a dossier (never its NIK)."""

    __tablename__ = "approval_dossier"
    office: str = Field(primary_key=True, max_length=8)
    dossier_id: UUID = Field(primary_key=True)
    name: str
    address: str
    phone: str
    document_type: str = Field(max_length=16)
    document_number: str


class ApprovalRecap(SQLModel, table=True):
    __tablename__ = "approval_recap"
    office: str = Field(primary_key=True, max_length=8)
    recap_id: UUID = Field(primary_key=True)
    document_type: str = Field(max_length=16)
    dossier_ids: list[str] = Field(sa_column=Column(JSON, nullable=False))
    compiled_at: datetime = Field(sa_column=_moment())
    compiled_by: str
    event_id: UUID
    correlation_id: UUID
    sort_key: str = Field(index=True, max_length=32)
    # Its place in its type's recap book (the event's version there): what numbers it.
    book_version: int | None = None


class ApprovalLetter(SQLModel, table=True):
    __tablename__ = "approval_letter"
    office: str = Field(primary_key=True, max_length=8)
    letter_id: UUID = Field(primary_key=True)
    letter_number: str
    recap_id: UUID = Field(index=True)
    status: str = Field(index=True, max_length=24)
    drafted_by_id: str | None = None
    drafted_by_name: str | None = None
    drafted_at: datetime | None = Field(default=None, sa_column=_moment(nullable=True))
    signed_by_id: str | None = None
    signed_by_name: str | None = None
    signed_at: datetime | None = Field(default=None, sa_column=_moment(nullable=True))
    rejected_by_id: str | None = None
    rejected_by_name: str | None = None
    rejected_at: datetime | None = Field(default=None, sa_column=_moment(nullable=True))
    reason: str | None = None
    sort_key: str = Field(index=True, max_length=32)
    # A redraft: the number of the rejected letter it answers, and what was fixed.
    fixes_letter_number: str | None = None
    fix: str | None = None


async def add_fix_columns(context: ServiceContext[Any]) -> None:
    """A database made before redrafts said what they fixed, and before recaps were
    numbered, gets the columns."""
    await add_missing_columns(
        context.engine, "approval_letter", {"fixes_letter_number": "TEXT", "fix": "TEXT"}
    )
    await add_missing_columns(context.engine, "approval_recap", {"book_version": "INTEGER"})


# The events that change this read model; the consumer applies these and skips the rest.
CONSUMED = (
    DocumentRegistered,
    DossierCorrected,
    RecapCompiled,
    LetterDrafted,
    LetterSigned,
    LetterRejected,
    RejectionAddressed,
    PersonalDataErased,
)


async def apply(session: AsyncSession, event: Envelope) -> None:
    """The change one event makes to the read model (the caller commits)."""
    data = event.data
    if isinstance(data, DocumentRegistered):
        await session.merge(
            ApprovalDossier(
                office=event.office,
                dossier_id=data.dossier_id,
                name=data.name,
                address=data.address,
                phone=data.phone,
                document_type=data.document_type.value,
                document_number=data.document_number,
            )
        )
    elif isinstance(data, DossierCorrected):
        dossier = await session.get(ApprovalDossier, (event.office, data.dossier_id))
        if dossier is None:
            raise LookupError(f"dossier {data.dossier_id} is corrected before it is known here")
        if dossier.address != ERASED:
            for field in data.fields:
                setattr(dossier, field.value, getattr(data, field.value))
    elif isinstance(data, RecapCompiled):
        await session.merge(
            ApprovalRecap(
                office=event.office,
                recap_id=data.recap_id,
                document_type=data.document_type.value,
                dossier_ids=[str(dossier_id) for dossier_id in data.dossier_ids],
                compiled_at=event.occurred_at,
                compiled_by=event.actor.name,
                event_id=event.event_id,
                correlation_id=event.correlation_id,
                sort_key=sort_key(str(event.position)),
                book_version=event.version,
            )
        )
    elif isinstance(data, LetterDrafted | LetterSigned | LetterRejected | RejectionAddressed):
        await _apply_to_letter(session, event)
    elif isinstance(data, PersonalDataErased):
        # No row yet: its DocumentRegistered, revealed after the erasure, reads erased itself.
        dossier = await session.get(ApprovalDossier, (event.office, data.dossier_id))
        if dossier is not None:
            dossier.name = dossier.address = dossier.phone = dossier.document_number = ERASED


async def _apply_to_letter(session: AsyncSession, event: Envelope) -> None:
    data = event.data
    assert isinstance(data, LetterDrafted | LetterSigned | LetterRejected | RejectionAddressed)
    letter = await session.get(ApprovalLetter, (event.office, data.letter_id))
    if letter is None:
        letter = ApprovalLetter(
            office=event.office,
            letter_id=data.letter_id,
            letter_number=getattr(data, "letter_number", ""),
            recap_id=data.recap_id,
            status=LetterStatus.AWAITING_SIGNATURE.value,
            sort_key=sort_key(str(event.position)),
        )
        session.add(letter)
    initials = (event.actor.officer_id, event.actor.name, event.occurred_at)  # the paraf
    if isinstance(data, LetterDrafted):
        letter.letter_number = data.letter_number
        letter.drafted_by_id, letter.drafted_by_name, letter.drafted_at = initials
        letter.sort_key = sort_key(str(event.position))
    elif isinstance(data, LetterSigned):
        letter.letter_number = data.letter_number
        letter.signed_by_id, letter.signed_by_name, letter.signed_at = initials
    elif isinstance(data, RejectionAddressed):
        letter.fixes_letter_number, letter.fix = data.rejected_letter_number, data.fix
    else:
        letter.rejected_by_id, letter.rejected_by_name, letter.rejected_at = initials
        letter.reason = data.reason
    letter.status = (
        LetterStatus.SIGNED
        if letter.signed_at
        else LetterStatus.REJECTED
        if letter.rejected_at
        else LetterStatus.AWAITING_SIGNATURE
    ).value
