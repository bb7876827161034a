"""What the FO desk reads of dossiers, and the answers it gives about them: a dossier with
its place in the lifecycle, the lists of them, its control card. From the read model
(`projections`), always of one office: the officer's."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Row
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.intake.projections import IntakeDossier, IntakeStep
from services.intake.search import SearchTerms, matching
from shared.db import keyset_page
from shared.errors import NotFound
from shared.events import DocumentFlagged, Envelope
from shared.http.pagination import DEFAULT_LIMIT, Page, encode_cursor
from shared.masking import mask_document_number, mask_nik
from shared.store import position_key
from shared.vocabulary import (
    CorrectedField,
    DocumentType,
    DossierStatus,
    FlagReason,
    Role,
)
from shared.wib import as_utc, to_wib


class OfficerPublic(BaseModel):
    officer_id: str
    name: str


class DossierPublic(BaseModel):
    dossier_id: uuid.UUID
    status: DossierStatus
    nik: str = Field(description="masked: region (first 6) and serial (last 4) only")
    name: str
    address: str
    phone: str
    document_type: DocumentType
    document_number: str
    tracking_code: str | None = Field(
        default=None, description="the citizen's code for the public page /lacak/{code}"
    )
    flagged: bool
    flag_reason: FlagReason | None = None
    flag_note: str | None = None
    recap_id: uuid.UUID | None = None
    letter_id: uuid.UUID | None = None
    letter_number: str | None = None
    registered_at: datetime
    registered_by: OfficerPublic
    updated_at: datetime


class FlagPublic(BaseModel):
    dossier_id: uuid.UUID
    status: DossierStatus
    flag_reason: FlagReason | None
    note: str
    at: datetime
    by: OfficerPublic


class CorrectionPublic(BaseModel):
    dossier_id: uuid.UUID
    status: DossierStatus
    fields: list[CorrectedField] = Field(description="the fields the correction changed")
    note: str
    at: datetime
    by: OfficerPublic


class StepPublic(BaseModel):
    """One step on a dossier's control card: what happened, by whom, when (WIB)."""

    event: str
    by: OfficerPublic
    role: Role
    at: datetime
    reason: str | None = None
    note: str | None = None
    letter_number: str | None = None


# A list reads the table's columns as plain rows: an ORM object per row, with its identity
# map and change tracking, costs more than the whole page does without them.
_DOSSIER = IntakeDossier.__table__  # type: ignore[attr-defined]

DOSSIER_COLUMNS = tuple(_DOSSIER.columns)


def dossier_from_row(row: IntakeDossier | Row[Any]) -> DossierPublic:
    return DossierPublic(
        dossier_id=row.dossier_id,
        status=DossierStatus(row.status),
        nik=mask_nik(row.nik),
        name=row.name,
        address=row.address,
        phone=row.phone,
        document_type=DocumentType(row.document_type),
        document_number=mask_document_number(row.document_number),
        tracking_code=row.tracking_code,
        flagged=row.status == DossierStatus.FLAGGED,
        flag_reason=FlagReason(row.flag_reason) if row.flag_reason else None,
        flag_note=row.flag_note,
        recap_id=row.recap_id,
        letter_id=row.letter_id,
        letter_number=row.letter_number,
        registered_at=to_wib(as_utc(row.registered_at)),
        registered_by=OfficerPublic(officer_id=row.registered_by_id, name=row.registered_by_name),
        updated_at=to_wib(as_utc(row.updated_at)),
    )


def dossier_from_events(events: list[Envelope]) -> DossierPublic:
    """A dossier as its registration just appended it: the read model may not have it yet."""
    registered: Any = events[0].data
    flag = next((e.data for e in events if isinstance(e.data, DocumentFlagged)), None)
    actor = events[0].actor
    return DossierPublic(
        dossier_id=registered.dossier_id,
        status=DossierStatus.FLAGGED if flag else DossierStatus.REGISTERED,
        nik=mask_nik(registered.nik),
        name=registered.name,
        address=registered.address,
        phone=registered.phone,
        document_type=registered.document_type,
        document_number=mask_document_number(registered.document_number),
        tracking_code=registered.tracking_code,
        flagged=flag is not None,
        flag_reason=flag.reason if flag else None,
        flag_note=flag.note if flag else None,
        registered_at=to_wib(events[0].occurred_at),
        registered_by=OfficerPublic(officer_id=actor.officer_id, name=actor.name),
        updated_at=to_wib(events[-1].occurred_at),
    )


def flag_from_event(event: Envelope, status: DossierStatus) -> FlagPublic:
    data: Any = event.data
    return FlagPublic(
        dossier_id=data.dossier_id,
        status=status,
        flag_reason=getattr(data, "reason", None),
        note=data.note,
        at=to_wib(event.occurred_at),
        by=OfficerPublic(officer_id=event.actor.officer_id, name=event.actor.name),
    )


def correction_from_events(events: list[Envelope]) -> CorrectionPublic:
    """A correction as just appended, with the flag it resolved."""
    corrected: Any = events[0].data
    actor = events[0].actor
    return CorrectionPublic(
        dossier_id=corrected.dossier_id,
        status=DossierStatus.REGISTERED,
        fields=list(corrected.fields),
        note=corrected.note,
        at=to_wib(events[0].occurred_at),
        by=OfficerPublic(officer_id=actor.officer_id, name=actor.name),
    )


@dataclass(frozen=True, slots=True)
class DossierQuery:
    """Which of one office's dossiers a list shows, in registration order: those found by
    `search` (see `search_terms`), registered since the sort key `since` (see
    `registered_since`), of one status and one type; `limit` of them after the sort key
    `after`."""

    office: str
    status: DossierStatus | None = None
    document_type: str | None = None
    after: str | None = None
    limit: int = DEFAULT_LIMIT
    search: SearchTerms | None = None
    since: str | None = None

    def page_of(self, columns: tuple[Any, ...]) -> Any:
        query = select(*columns).where(_DOSSIER.c.office == self.office)
        if self.search is not None:
            query = query.where(*matching(self.office, self.search, col(IntakeDossier.dossier_id)))
        if self.since is not None:
            query = query.where(_DOSSIER.c.sort_key >= self.since)
        if self.status is not None:
            query = query.where(_DOSSIER.c.status == self.status.value)
        if self.document_type is not None:
            query = query.where(_DOSSIER.c.document_type == self.document_type)
        return query


async def dossiers_page(session: AsyncSession, wanted: DossierQuery) -> Page[DossierPublic]:
    """A page of the dossiers `wanted`, each as the API answers it."""
    query = wanted.page_of(DOSSIER_COLUMNS)
    rows, more = await keyset_page(session, query, _DOSSIER.c.sort_key, wanted.after, wanted.limit)
    return Page(
        items=[dossier_from_row(row) for row in rows],
        next=encode_cursor(rows[-1].sort_key) if more else None,
    )


@dataclass(frozen=True, slots=True)
class DossierLine:
    """A dossier as a line of the FO's list shows it (the document number masked)."""

    dossier_id: uuid.UUID
    name: str
    document_type: DocumentType
    document_number: str
    status: DossierStatus
    flag_reason: FlagReason | None
    registered_at: datetime


@dataclass(frozen=True, slots=True)
class DossierLines:
    items: list[DossierLine]
    next: str | None


# What a line shows, and the sort key its cursor is made of; fewer columns than a whole
# dossier, read as plain rows (a list is asked for every few seconds by every FO screen).
_LINE_COLUMNS: tuple[Any, ...] = (
    _DOSSIER.c.dossier_id,
    _DOSSIER.c.name,
    _DOSSIER.c.document_type,
    _DOSSIER.c.document_number,
    _DOSSIER.c.status,
    _DOSSIER.c.flag_reason,
    _DOSSIER.c.registered_at,
    _DOSSIER.c.sort_key,
)


async def dossier_lines(session: AsyncSession, wanted: DossierQuery) -> DossierLines:
    """A page of the dossiers `wanted`, as the lines of the FO's list."""
    query = wanted.page_of(_LINE_COLUMNS)
    rows, more = await keyset_page(session, query, _DOSSIER.c.sort_key, wanted.after, wanted.limit)
    lines = [
        DossierLine(
            dossier_id,
            name,
            DocumentType(kind),
            mask_document_number(number),
            DossierStatus(state),
            FlagReason(reason) if reason else None,
            to_wib(as_utc(registered_at)),
        )
        for dossier_id, name, kind, number, state, reason, registered_at, _ in rows
    ]
    return DossierLines(lines, encode_cursor(rows[-1].sort_key) if more else None)


async def dossier_row(
    session: AsyncSession, office: str, dossier_id: uuid.UUID
) -> IntakeDossier | None:
    """One dossier of one office, or None (another office's dossier is not there for it)."""
    return await session.get(IntakeDossier, (office, dossier_id))


async def dossier(session: AsyncSession, office: str, dossier_id: uuid.UUID) -> DossierPublic:
    row = await dossier_row(session, office, dossier_id)
    if row is None:
        raise NotFound(f"there is no dossier {dossier_id}")
    return dossier_from_row(row)


def registered_since(moment: datetime) -> str:
    """The sort key of the first registration at or after `moment`: positions are the log's
    milliseconds, so "registered today" is a range of the key the list is paged by."""
    milliseconds = int(as_utc(moment).timestamp() * 1000)
    return f"{milliseconds:015d}-{0:08d}"


async def dossier_steps(
    session: AsyncSession, office: str, dossier_id: uuid.UUID
) -> list[StepPublic]:
    """A dossier's control card as intake follows it: every step in log order."""
    query = select(IntakeStep).where(
        IntakeStep.office == office, IntakeStep.dossier_id == dossier_id
    )
    rows = sorted(await session.exec(query), key=lambda row: position_key(row.position))
    return [
        StepPublic(
            event=row.event,
            by=OfficerPublic(officer_id=row.officer_id, name=row.officer_name),
            role=Role(row.role),
            at=to_wib(as_utc(row.at)),
            reason=row.reason,
            note=row.note,
            letter_number=row.letter_number,
        )
        for row in rows
    ]
