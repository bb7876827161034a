"""What the FO desk reads of recap lists: a recap with its number and its dossiers, the
latest ones, and the dossiers that wait for one. From the read model, of one office."""

import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import and_, func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.intake.projections import IntakeDossier, IntakeRecap
from services.intake.queries.dossiers import OfficerPublic, dossier_row
from shared.errors import NotFound
from shared.events import Envelope
from shared.vocabulary import (
    DocumentType,
    DossierStatus,
    recap_number,
)
from shared.wib import WIB, as_utc, to_wib


class RecapPublic(BaseModel):
    recap_id: uuid.UUID
    recap_number: str | None = Field(
        default=None,
        description="REK/<type>/<year>/<seq>, gap-free per office, type and year; null for a "
        "recap compiled before recaps were numbered",
    )
    document_type: DocumentType
    dossier_ids: list[uuid.UUID]
    compiled_at: datetime
    compiled_by: OfficerPublic


def recap_from_row(row: IntakeRecap, number: str | None = None) -> RecapPublic:
    return RecapPublic(
        recap_id=row.recap_id,
        recap_number=number,
        document_type=DocumentType(row.document_type),
        dossier_ids=row.dossier_id_list(),
        compiled_at=to_wib(as_utc(row.compiled_at)),
        compiled_by=OfficerPublic(officer_id=row.compiled_by_id, name=row.compiled_by_name),
    )


def recap_from_event(event: Envelope, number: str | None = None) -> RecapPublic:
    """A recap as its compiling just appended it: the read model may not have it yet."""
    data: Any = event.data
    return RecapPublic(
        recap_id=data.recap_id,
        recap_number=number,
        document_type=data.document_type,
        dossier_ids=list(data.dossier_ids),
        compiled_at=to_wib(event.occurred_at),
        compiled_by=OfficerPublic(officer_id=event.actor.officer_id, name=event.actor.name),
    )


async def waiting_dossier_ids(
    session: AsyncSession, office: str, document_type: str
) -> list[uuid.UUID]:
    """Dossiers of one office the read model shows as registered and waiting, oldest first."""
    query = (
        select(IntakeDossier.dossier_id)
        .where(IntakeDossier.office == office)
        .where(IntakeDossier.document_type == document_type)
        .where(IntakeDossier.status == DossierStatus.REGISTERED.value)
        .order_by(IntakeDossier.sort_key)  # type: ignore[arg-type]
    )
    return list(await session.exec(query))


async def recap_row(session: AsyncSession, office: str, recap_id: uuid.UUID) -> IntakeRecap:
    row = await session.get(IntakeRecap, (office, recap_id))
    if row is None:
        raise NotFound(f"there is no recap list {recap_id}")
    return row


async def recap(session: AsyncSession, office: str, recap_id: uuid.UUID) -> RecapPublic:
    row = await recap_row(session, office, recap_id)
    return recap_from_row(row, await recap_number_of(session, row))


async def recap_number_of(session: AsyncSession, row: IntakeRecap) -> str | None:
    """`REK/KTP-EL/2026/0007`: the recap's place among its office's recaps of its type
    compiled in the same year (WIB), in the order of their recap book. Counted when read,
    from the recaps before it, so nothing stored can drift; recaps compiled before books
    numbered them (no book version) come first in their year."""
    if row.book_version is None:
        return None
    return await recap_number_for(
        session, row.office, row.document_type, row.book_version, as_utc(row.compiled_at)
    )


async def recap_number_for(
    session: AsyncSession, office: str, document_type: str, book_version: int, at: datetime
) -> str:
    """The number of the recap at `book_version` of its type's book, compiled `at`: it
    needs only the recaps before it in the read model (a recap just compiled has its number
    before the read model has the recap itself)."""
    year = to_wib(at).year
    start = datetime(year, 1, 1, tzinfo=WIB).astimezone(UTC)
    utc_at = at.astimezone(UTC)
    before = (
        select(func.count())
        .select_from(IntakeRecap)
        .where(
            IntakeRecap.office == office,
            IntakeRecap.document_type == document_type,
            col(IntakeRecap.compiled_at) >= start,
            or_(
                col(IntakeRecap.book_version) < book_version,
                and_(
                    col(IntakeRecap.book_version).is_(None),
                    col(IntakeRecap.compiled_at) < utc_at,
                ),
            ),
        )
    )
    earlier = (await session.exec(before)).one()
    return recap_number(document_type, year, int(earlier) + 1)


async def recap_with_dossiers(
    session: AsyncSession, office: str, recap_id: uuid.UUID
) -> tuple[IntakeRecap, list[IntakeDossier]]:
    """A recap and its dossiers in recap order, for its printed list."""
    row = await recap_row(session, office, recap_id)
    rows = [await dossier_row(session, office, d) for d in row.dossier_id_list()]
    return row, [found for found in rows if found is not None]


async def waiting_counts(session: AsyncSession, office: str) -> dict[DocumentType, int]:
    """How many dossiers of each type wait for a recap list (registered, not flagged)."""
    query = (
        select(IntakeDossier.document_type, func.count())
        .where(IntakeDossier.office == office)
        .where(IntakeDossier.status == DossierStatus.REGISTERED.value)
        .group_by(col(IntakeDossier.document_type))
    )
    counted = {kind: int(n) for kind, n in await session.exec(query)}
    return {kind: counted.get(kind.value, 0) for kind in DocumentType}


async def recent_recaps(session: AsyncSession, office: str, limit: int) -> list[RecapPublic]:
    """The office's latest recap lists, newest first."""
    query = (
        select(IntakeRecap)
        .where(IntakeRecap.office == office)
        .order_by(col(IntakeRecap.compiled_at).desc())
        .limit(limit)
    )
    return [recap_from_row(row) for row in await session.exec(query)]
