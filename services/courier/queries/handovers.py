"""The handovers the courier sees: each signed letter with its manifest (no NIK, a masked
document number), ready to accept, accepted, or still on the round."""

from collections import defaultdict
from enum import StrEnum
from uuid import UUID

import orjson
from pydantic import BaseModel, Field
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from services.courier.domain import Outcome
from services.courier.projections import CourierDossier, CourierLetter, CourierRecap
from shared.db import keyset_page
from shared.errors import NotFound
from shared.http.pagination import Page, cursor_number, encode_cursor
from shared.masking import mask_document_number
from shared.vocabulary import DocumentType, DossierStatus


class HandoverStatus(StrEnum):
    READY = "READY"
    ACCEPTED = "ACCEPTED"


class DocumentPublic(BaseModel):
    dossier_id: UUID
    name: str
    address: str
    phone: str
    document_type: DocumentType
    document_number: str
    tracking_code: str | None = Field(
        default=None, description="the citizen's tracking code, to tell them at the door"
    )
    failed_attempts: int = 0
    delivery_status: DossierStatus


class HandoverPublic(BaseModel):
    letter_id: UUID
    letter_number: str
    status: HandoverStatus
    documents: list[DocumentPublic]


class AcceptedHandoverPublic(BaseModel):
    letter_id: UUID
    recap_id: UUID
    status: HandoverStatus = HandoverStatus.ACCEPTED
    dossier_ids: list[UUID]


def document_public(dossier: CourierDossier, accepted: bool) -> DocumentPublic | None:
    if dossier.name is None or dossier.document_type is None:
        return None  # its registration is not projected yet
    outcome = Outcome(dossier.outcome)
    if outcome is Outcome.WITH_COURIER and not accepted:
        status = DossierStatus.LETTER_SIGNED
    else:
        status = DossierStatus(outcome.value)
    return DocumentPublic(
        dossier_id=UUID(dossier.dossier_id),
        name=dossier.name,
        address=dossier.address or "",
        phone=dossier.phone or "",
        document_type=DocumentType(dossier.document_type),
        document_number=mask_document_number(dossier.document_number or ""),
        tracking_code=dossier.tracking_code,
        failed_attempts=dossier.failed_attempts,
        delivery_status=status,
    )


def handover_public(
    letter: CourierLetter, dossiers: list[CourierDossier], *, as_handed_over: bool = False
) -> HandoverPublic:
    """A handover and its documents; `as_handed_over`: as it was when its letter was signed."""
    accepted = letter.accepted and not as_handed_over
    documents = [document_public(dossier, accepted) for dossier in dossiers]
    return HandoverPublic(
        letter_id=UUID(letter.letter_id),
        letter_number=letter.letter_number,
        status=HandoverStatus.ACCEPTED if accepted else HandoverStatus.READY,
        documents=[document for document in documents if document is not None],
    )


async def recap_dossiers(
    session: AsyncSession, office: str, recap_ids: list[str]
) -> dict[str, list[CourierDossier]]:
    """The dossiers of each recap, in the recap's own order."""
    recaps = await session.exec(
        select(CourierRecap).where(
            CourierRecap.office == office, col(CourierRecap.recap_id).in_(recap_ids)
        )
    )
    order = {recap.recap_id: orjson.loads(recap.dossier_ids) for recap in recaps.all()}
    rows = await session.exec(
        select(CourierDossier).where(
            CourierDossier.office == office, col(CourierDossier.recap_id).in_(recap_ids)
        )
    )
    by_id = {row.dossier_id: row for row in rows.all()}
    grouped: dict[str, list[CourierDossier]] = defaultdict(list)
    for recap_id, ids in order.items():
        grouped[recap_id] = [by_id[dossier_id] for dossier_id in ids if dossier_id in by_id]
    return grouped


async def ready_manifest(
    session: AsyncSession, office: str, letter_id: str
) -> HandoverPublic | None:
    """The manifest of a signed letter as handed over; None until all of it is known."""
    letter = await session.get(CourierLetter, (office, letter_id))
    if letter is None or not letter.signed:
        return None
    recap = await session.get(CourierRecap, (office, letter.recap_id))
    if recap is None:
        return None
    dossiers = (await recap_dossiers(session, office, [letter.recap_id]))[letter.recap_id]
    if len(dossiers) < len(orjson.loads(recap.dossier_ids)):
        return None
    if any(dossier.name is None for dossier in dossiers):
        return None
    return handover_public(letter, dossiers, as_handed_over=True)


async def _signed_letter(session: AsyncSession, office: str, letter_id: UUID) -> CourierLetter:
    letter = await session.get(CourierLetter, (office, str(letter_id)))
    if letter is None or not letter.signed or letter.rejected:
        raise NotFound(f"there is no handover for letter {letter_id}: no such signed letter")
    return letter


async def handover_of(session: AsyncSession, office: str, letter_id: UUID) -> HandoverPublic:
    letter = await _signed_letter(session, office, letter_id)
    dossiers = await recap_dossiers(session, office, [letter.recap_id])
    return handover_public(letter, dossiers[letter.recap_id])


async def handovers(
    session: AsyncSession,
    office: str,
    status: HandoverStatus | None,
    cursor: str | None,
    limit: int,
) -> Page[HandoverPublic]:
    """Signed letters, oldest first, READY (not yet accepted) or ACCEPTED or both."""
    query = select(CourierLetter).where(
        CourierLetter.office == office,
        col(CourierLetter.signed).is_(True),
        col(CourierLetter.rejected).is_(False),
    )
    if status is not None:
        query = query.where(CourierLetter.accepted == (status is HandoverStatus.ACCEPTED))
    return await _handover_page(session, office, query, cursor, limit)


async def _handover_page(
    session: AsyncSession,
    office: str,
    query: SelectOfScalar[CourierLetter],
    cursor: str | None,
    limit: int,
) -> Page[HandoverPublic]:
    """A page of the letters `query` selects, in the order they became ready, each with its
    manifest."""
    page, more = await keyset_page(
        session, query, col(CourierLetter.ready_order), cursor_number(cursor), limit
    )
    dossiers = await recap_dossiers(session, office, [letter.recap_id for letter in page])
    return Page(
        items=[handover_public(letter, dossiers[letter.recap_id]) for letter in page],
        next=encode_cursor(str(page[-1].ready_order)) if more else None,
    )


async def handovers_on_round(
    session: AsyncSession, office: str, cursor: str | None, limit: int
) -> Page[HandoverPublic]:
    """Accepted handovers with a document still with the courier, oldest first: the round
    of today, without the handovers already done with."""
    still_out = select(CourierDossier.recap_id).where(
        CourierDossier.office == office, CourierDossier.outcome == Outcome.WITH_COURIER.value
    )
    query = select(CourierLetter).where(
        CourierLetter.office == office,
        col(CourierLetter.accepted).is_(True),
        col(CourierLetter.rejected).is_(False),
        col(CourierLetter.recap_id).in_(still_out),
    )
    return await _handover_page(session, office, query, cursor, limit)
