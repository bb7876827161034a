"""The letters the approval desk reads: who drafted, signed or rejected each and when (in
WIB), a page of them by status, the same page with each recap's documents for the
Sekretaris to check before signing, and why each recap's letter last came back."""

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.approval.domain import Letter, LetterStatus
from services.approval.projections import ApprovalLetter, ApprovalRecap
from services.approval.queries.recaps import DocumentPublic, RecapPublic, RecapStatus, details_of
from shared.db import keyset_page
from shared.events import Actor
from shared.http.pagination import Page, encode_cursor
from shared.wib import as_utc, wib_iso


class OfficerPublic(BaseModel):
    officer_id: str
    name: str


class FixPublic(BaseModel):
    """A redraft's answer to the rejection of the letter before it."""

    rejected_letter_number: str
    fix: str


class LetterPublic(BaseModel):
    letter_id: UUID
    letter_number: str
    recap_id: UUID
    status: LetterStatus
    drafted_by: OfficerPublic | None
    drafted_at: str | None
    signed_by: OfficerPublic | None = None
    signed_at: str | None = None
    rejected_by: OfficerPublic | None = None
    rejected_at: str | None = None
    reason: str | None = None
    fixes: FixPublic | None = None

    @classmethod
    def of(cls, letter: Letter) -> "LetterPublic":
        return cls(
            letter_id=letter.letter_id,
            letter_number=letter.letter_number,
            recap_id=letter.recap_id,
            status=letter.status,
            drafted_by=_officer(letter.drafted_by),
            drafted_at=_at(letter.drafted_at),
            signed_by=_officer(letter.signed_by),
            signed_at=_at(letter.signed_at),
            rejected_by=_officer(letter.rejected_by),
            rejected_at=_at(letter.rejected_at),
            reason=letter.reason,
            fixes=FixPublic(
                rejected_letter_number=letter.fixes.rejected_letter_number, fix=letter.fixes.fix
            )
            if letter.fixes
            else None,
        )

    @classmethod
    def of_row(cls, row: ApprovalLetter) -> "LetterPublic":
        def officer(officer_id: str | None, name: str | None) -> OfficerPublic | None:
            return OfficerPublic(officer_id=officer_id, name=name or "") if officer_id else None

        return cls(
            letter_id=row.letter_id,
            letter_number=row.letter_number,
            recap_id=row.recap_id,
            status=LetterStatus(row.status),
            drafted_by=officer(row.drafted_by_id, row.drafted_by_name),
            drafted_at=_at(row.drafted_at),
            signed_by=officer(row.signed_by_id, row.signed_by_name),
            signed_at=_at(row.signed_at),
            rejected_by=officer(row.rejected_by_id, row.rejected_by_name),
            rejected_at=_at(row.rejected_at),
            reason=row.reason,
            fixes=FixPublic(rejected_letter_number=row.fixes_letter_number, fix=row.fix or "")
            if row.fixes_letter_number
            else None,
        )


def _officer(actor: Actor | None) -> OfficerPublic | None:
    return OfficerPublic(officer_id=actor.officer_id, name=actor.name) if actor else None


def _at(moment: datetime | None) -> str | None:
    return wib_iso(as_utc(moment)) if moment else None


async def letters_page(
    session: AsyncSession, office: str, status: LetterStatus | None, after: str | None, limit: int
) -> Page[LetterPublic]:
    """Letters in the order they were drafted, oldest first, one page after `after`."""
    query = select(ApprovalLetter).where(ApprovalLetter.office == office)
    if status is not None:
        query = query.where(col(ApprovalLetter.status) == status.value)
    letters, more = await keyset_page(session, query, col(ApprovalLetter.sort_key), after, limit)
    return Page(
        items=[LetterPublic.of_row(letter) for letter in letters],
        next=encode_cursor(letters[-1].sort_key) if more else None,
    )


class LetterWithDocumentsPublic(BaseModel):
    """A letter with its recap's document type and documents, masked as in `RecapPublic`:
    what the Sekretaris checks before signing."""

    letter: LetterPublic
    document_type: str | None
    recap_status: RecapStatus | None  # AWAITING_LETTER after a rejection: draft again
    documents: list[DocumentPublic]


async def letters_with_documents(
    session: AsyncSession, office: str, status: LetterStatus | None, after: str | None, limit: int
) -> Page[LetterWithDocumentsPublic]:
    """`letters_page`, each letter with its recap's documents."""
    page = await letters_page(session, office, status, after, limit)
    recap_ids = list({letter.recap_id for letter in page.items})
    query = select(ApprovalRecap).where(
        ApprovalRecap.office == office, col(ApprovalRecap.recap_id).in_(recap_ids)
    )
    rows = list((await session.exec(query)).all()) if recap_ids else []
    recaps = {d.recap.recap_id: RecapPublic.of(d) for d in await details_of(session, office, rows)}
    items = []
    for letter in page.items:
        recap = recaps.get(letter.recap_id)
        items.append(
            LetterWithDocumentsPublic(
                letter=letter,
                document_type=recap.document_type if recap else None,
                recap_status=recap.status if recap else None,
                documents=recap.documents if recap else [],
            )
        )
    return Page(items=items, next=page.next)


async def last_rejections(
    session: AsyncSession, office: str, recap_ids: list[UUID]
) -> dict[UUID, LetterPublic]:
    """The latest rejected letter of each of these recaps that has one: why it came back."""
    if not recap_ids:
        return {}
    query = (
        select(ApprovalLetter)
        .where(
            ApprovalLetter.office == office,
            col(ApprovalLetter.recap_id).in_(recap_ids),
            ApprovalLetter.status == LetterStatus.REJECTED.value,
        )
        .order_by(col(ApprovalLetter.sort_key))
    )
    return {row.recap_id: LetterPublic.of_row(row) for row in (await session.exec(query)).all()}
