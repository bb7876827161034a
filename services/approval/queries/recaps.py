"""The recaps the approval desk reads: each with the status of its live letter and its
documents (no NIK, the phone masked), a page of them by that status, and a recap's number
as intake counts it."""

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from uuid import UUID

from pydantic import BaseModel
from sqlalchemy import ColumnElement, and_, func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.approval.domain import LetterStatus
from services.approval.projections import ApprovalDossier, ApprovalLetter, ApprovalRecap
from shared.db import keyset_page
from shared.http.pagination import Page, encode_cursor
from shared.masking import mask_document_number, mask_phone
from shared.vocabulary import recap_number
from shared.wib import WIB, as_utc, to_wib, wib_iso


class RecapStatus(StrEnum):
    AWAITING_LETTER = "AWAITING_LETTER"  # no letter, or every letter rejected
    LETTER_DRAFTED = "LETTER_DRAFTED"  # a letter awaits the Sekretaris's signature
    LETTER_SIGNED = "LETTER_SIGNED"


LIVE = (LetterStatus.AWAITING_SIGNATURE.value, LetterStatus.SIGNED.value)


@dataclass(frozen=True, slots=True)
class RecapDetails:
    """A recap as the read model shows it: its status, its live letter and its documents."""

    recap: ApprovalRecap
    status: RecapStatus
    letter: ApprovalLetter | None  # the live letter, if any
    documents: list[tuple[UUID, ApprovalDossier | None]]


class DocumentPublic(BaseModel):
    """A document of the recap list: no NIK, and the phone masked (the courier's paper and
    manifest carry it whole)."""

    dossier_id: UUID
    name: str | None
    address: str | None
    phone: str | None
    document_type: str | None
    document_number: str | None


class RecapPublic(BaseModel):
    recap_id: UUID
    document_type: str
    status: RecapStatus
    compiled_at: str
    compiled_by: str
    letter_id: UUID | None
    letter_number: str | None
    documents: list[DocumentPublic]

    @classmethod
    def of(cls, details: RecapDetails) -> "RecapPublic":
        return cls(
            recap_id=details.recap.recap_id,
            document_type=details.recap.document_type,
            status=details.status,
            compiled_at=wib_iso(as_utc(details.recap.compiled_at)),
            compiled_by=details.recap.compiled_by,
            letter_id=details.letter.letter_id if details.letter else None,
            letter_number=details.letter.letter_number if details.letter else None,
            documents=[
                DocumentPublic(
                    dossier_id=dossier_id,
                    name=d.name if d else None,
                    address=d.address if d else None,
                    phone=mask_phone(d.phone) if d else None,
                    document_type=d.document_type if d else None,
                    document_number=mask_document_number(d.document_number) if d else None,
                )
                for dossier_id, d in details.documents
            ],
        )


async def recaps_page(
    session: AsyncSession, office: str, status: RecapStatus | None, after: str | None, limit: int
) -> Page[RecapPublic]:
    """Recaps in the order they were compiled, oldest first, one page after `after`."""
    query = select(ApprovalRecap).where(ApprovalRecap.office == office)
    if status is not None:
        query = query.where(_having_status(office, status))
    recaps, more = await keyset_page(session, query, col(ApprovalRecap.sort_key), after, limit)
    return Page(
        items=[RecapPublic.of(details) for details in await details_of(session, office, recaps)],
        next=encode_cursor(recaps[-1].sort_key) if more else None,
    )


def _having_status(office: str, status: RecapStatus) -> ColumnElement[bool]:
    def letters_in(*statuses: str) -> ColumnElement[bool]:
        return col(ApprovalRecap.recap_id).in_(
            select(ApprovalLetter.recap_id).where(
                ApprovalLetter.office == office, col(ApprovalLetter.status).in_(statuses)
            )
        )

    if status is RecapStatus.AWAITING_LETTER:
        return ~letters_in(*LIVE)
    if status is RecapStatus.LETTER_DRAFTED:
        return letters_in(LetterStatus.AWAITING_SIGNATURE.value)
    return letters_in(LetterStatus.SIGNED.value)


async def details_of(
    session: AsyncSession, office: str, recaps: list[ApprovalRecap]
) -> list[RecapDetails]:
    recap_ids = [recap.recap_id for recap in recaps]
    letters = (
        await session.exec(
            select(ApprovalLetter).where(
                ApprovalLetter.office == office,
                col(ApprovalLetter.recap_id).in_(recap_ids),
                col(ApprovalLetter.status).in_(LIVE),
            )
        )
    ).all()
    live = {letter.recap_id: letter for letter in letters}
    ids = [UUID(d) for recap in recaps for d in recap.dossier_ids]
    dossiers = await _dossiers(session, office, ids)
    found = []
    for recap in recaps:
        letter = live.get(recap.recap_id)
        status = (
            RecapStatus.AWAITING_LETTER
            if letter is None
            else RecapStatus.LETTER_SIGNED
            if letter.status == LetterStatus.SIGNED
            else RecapStatus.LETTER_DRAFTED
        )
        documents = [(UUID(d), dossiers.get(UUID(d))) for d in recap.dossier_ids]
        found.append(RecapDetails(recap, status, letter, documents))
    return found


async def _dossiers(
    session: AsyncSession, office: str, ids: list[UUID]
) -> dict[UUID, ApprovalDossier]:
    if not ids:
        return {}
    query = select(ApprovalDossier).where(
        ApprovalDossier.office == office, col(ApprovalDossier.dossier_id).in_(ids)
    )
    rows = (await session.exec(query)).all()
    return {row.dossier_id: row for row in rows}


async def recap_details(session: AsyncSession, office: str, recap_id: UUID) -> RecapDetails | None:
    recap = await session.get(ApprovalRecap, (office, recap_id))
    if recap is None:
        return None
    [details] = await details_of(session, office, [recap])
    return details


async def recap_number_of(session: AsyncSession, recap: ApprovalRecap) -> str | None:
    """`REK/KTP-EL/2026/0007`, counted as intake counts it: the recap's place among its
    office's recaps of its type compiled in the same year (WIB), in recap book order."""
    if recap.book_version is None:
        return None
    at = as_utc(recap.compiled_at)
    year = to_wib(at).year
    start = datetime(year, 1, 1, tzinfo=WIB).astimezone(UTC)
    before = (
        select(func.count())
        .select_from(ApprovalRecap)
        .where(
            ApprovalRecap.office == recap.office,
            ApprovalRecap.document_type == recap.document_type,
            col(ApprovalRecap.compiled_at) >= start,
            or_(
                col(ApprovalRecap.book_version) < recap.book_version,
                and_(
                    col(ApprovalRecap.book_version).is_(None),
                    col(ApprovalRecap.compiled_at) < at,
                ),
            ),
        )
    )
    earlier = (await session.exec(before)).one()
    return recap_number(recap.document_type, year, int(earlier) + 1)
