"""What the approval desk reads: recaps by their letter status, letters by theirs, and the
documents of a recap for its printed list. All from the read model (eventually consistent),
and always of one office: the officer's."""

from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

from sqlalchemy import ColumnElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.approval.domain import LetterStatus
from services.approval.projections import ApprovalDossier, ApprovalLetter, ApprovalRecap
from shared.db import keyset_page


class RecapStatus(StrEnum):
    AWAITING_LETTER = "AWAITING_LETTER"  # no letter, or every letter rejected
    LETTER_DRAFTED = "LETTER_DRAFTED"  # a letter awaits the Sekretaris's signature
    LETTER_SIGNED = "LETTER_SIGNED"


LIVE = (LetterStatus.AWAITING_SIGNATURE.value, LetterStatus.SIGNED.value)


@dataclass(frozen=True, slots=True)
class RecapView:
    recap: ApprovalRecap
    status: RecapStatus
    letter: ApprovalLetter | None  # the live letter, if any
    documents: list[tuple[UUID, ApprovalDossier | None]]


async def recaps_page(
    session: AsyncSession, office: str, status: RecapStatus | None, after: str | None, limit: int
) -> tuple[list[RecapView], str | None]:
    """Recaps in the order they were compiled, oldest first, one page after `after`."""
    query = select(ApprovalRecap).where(ApprovalRecap.office == office)
    if status is not None:
        query = query.where(_having_status(office, status))
    recaps, more = await keyset_page(session, query, col(ApprovalRecap.sort_key), after, limit)
    views = await _views(session, office, recaps)
    return views, recaps[-1].sort_key if more else None


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


async def _views(
    session: AsyncSession, office: str, recaps: list[ApprovalRecap]
) -> list[RecapView]:
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
    views = []
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
        views.append(RecapView(recap, status, letter, documents))
    return views


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


async def recap_view(session: AsyncSession, office: str, recap_id: UUID) -> RecapView | None:
    recap = await session.get(ApprovalRecap, (office, recap_id))
    if recap is None:
        return None
    [view] = await _views(session, office, [recap])
    return view


async def letters_page(
    session: AsyncSession, office: str, status: LetterStatus | None, after: str | None, limit: int
) -> tuple[list[ApprovalLetter], str | None]:
    """Letters in the order they were drafted, oldest first, one page after `after`."""
    query = select(ApprovalLetter).where(ApprovalLetter.office == office)
    if status is not None:
        query = query.where(col(ApprovalLetter.status) == status.value)
    letters, more = await keyset_page(session, query, col(ApprovalLetter.sort_key), after, limit)
    return letters, letters[-1].sort_key if more else None
