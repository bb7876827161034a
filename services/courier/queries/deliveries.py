"""What became of each document: the answers to the courier's commands, a document as the
courier may know it at the door (its attempts, its outcome), and the returned documents the
Kasubbag Umum receives back."""

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, Field
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.courier.domain import Outcome
from services.courier.projections import CourierAttempt, CourierDossier, CourierLetter
from services.courier.queries.handovers import document_public
from shared.db import keyset_page
from shared.errors import NotFound
from shared.http.pagination import Page, cursor_number, encode_cursor
from shared.masking import mask_document_number
from shared.vocabulary import AttemptReason, DocumentType, DossierStatus, Relationship, ReturnReason
from shared.wib import as_utc, to_wib


class ReturnPublic(BaseModel):
    dossier_id: UUID
    letter_id: UUID
    name: str
    address: str
    phone: str
    document_type: DocumentType
    document_number: str
    reason: ReturnReason
    note: str
    returned_at: datetime
    received: bool
    received_at: datetime | None


class DeliveryOutcomePublic(BaseModel):
    dossier_id: UUID
    letter_id: UUID
    delivery_status: Outcome
    code_verified: bool | None = Field(
        default=None, description="delivered: whether the recipient gave the valid receipt code"
    )
    photo_sha256: str | None = Field(default=None, description="delivered: the photo proof's")


class OutForDeliveryPublic(BaseModel):
    """The courier is on the way; the citizen was sent a receipt code (never shown here)."""

    dossier_id: UUID
    letter_id: UUID
    delivery_status: Outcome = Outcome.WITH_COURIER
    code_sent: bool = True
    failed_attempts: int


class AttemptPublic(BaseModel):
    dossier_id: UUID
    letter_id: UUID
    attempt: int
    reason: AttemptReason
    note: str
    attempts_left: int = Field(description="0: the document can only be returned now")
    delivery_status: Outcome = Outcome.WITH_COURIER


async def returns(
    session: AsyncSession, office: str, received: bool | None, cursor: str | None, limit: int
) -> Page[ReturnPublic]:
    """Documents the courier returned, oldest first; awaiting receipt or received back."""
    outcomes = {
        None: [Outcome.RETURNED, Outcome.RECEIVED_BACK],
        False: [Outcome.RETURNED],
        True: [Outcome.RECEIVED_BACK],
    }[received]
    query = select(CourierDossier).where(
        CourierDossier.office == office,
        col(CourierDossier.outcome).in_([o.value for o in outcomes]),
        col(CourierDossier.returned_order).is_not(None),
    )
    page, more = await keyset_page(
        session, query, col(CourierDossier.returned_order), cursor_number(cursor), limit
    )
    return Page(
        items=[view for view in map(_return_public, page) if view is not None],
        next=encode_cursor(str(page[-1].returned_order)) if more else None,
    )


def _return_public(row: CourierDossier) -> ReturnPublic | None:
    if row.name is None or row.document_type is None:
        return None  # its registration is not projected yet
    if row.letter_id is None or row.return_reason is None or row.returned_at is None:
        return None
    return ReturnPublic(
        dossier_id=UUID(row.dossier_id),
        letter_id=UUID(row.letter_id),
        name=row.name or "",
        address=row.address or "",
        phone=row.phone or "",
        document_type=DocumentType(row.document_type),
        document_number=mask_document_number(row.document_number or ""),
        reason=ReturnReason(row.return_reason),
        note=row.note or "",
        returned_at=to_wib(as_utc(row.returned_at)),
        received=row.outcome == Outcome.RECEIVED_BACK.value,
        received_at=_in_wib(row.received_at),
    )


class DoorAttemptPublic(BaseModel):
    """A failed attempt at the door, as the courier recorded it."""

    attempt: int
    reason: AttemptReason
    note: str
    attempted_at: datetime


class CourierDocumentPublic(BaseModel):
    """One document on the courier's round: whom it goes to (no NIK), on which letter, and
    what became of it."""

    dossier_id: UUID
    letter_id: UUID
    letter_number: str
    name: str
    address: str
    phone: str
    document_type: DocumentType
    document_number: str
    delivery_status: DossierStatus
    recipient_name: str | None = None
    relationship: Relationship | None = None
    return_reason: ReturnReason | None = None
    note: str = ""
    returned_at: datetime | None = None
    received_at: datetime | None = None
    out_for_delivery_at: datetime | None = Field(
        default=None, description="when the citizen was last sent a receipt code"
    )
    failed_attempts: int = 0
    wrong_codes: int = Field(default=0, description="wrong receipt codes entered at the door")
    attempts: list[DoorAttemptPublic] = Field(default_factory=list)


async def _letter_of(session: AsyncSession, office: str, row: CourierDossier) -> CourierLetter:
    """The signed letter that carries a document: the one its outcome names, else its recap's."""
    if row.letter_id is not None:
        letter = await session.get(CourierLetter, (office, row.letter_id))
        if letter is not None:
            return letter
    letters = await session.exec(
        select(CourierLetter).where(
            CourierLetter.office == office,
            CourierLetter.recap_id == (row.recap_id or ""),
            col(CourierLetter.signed).is_(True),
            col(CourierLetter.rejected).is_(False),
        )
    )
    letter = letters.first()
    if letter is None:
        raise NotFound(f"document {row.dossier_id} is on no signed cover letter")
    return letter


async def courier_document(
    session: AsyncSession, office: str, dossier_id: UUID
) -> CourierDocumentPublic:
    """A document of a signed letter, as the courier may know it, and its outcome."""
    row = await session.get(CourierDossier, (office, str(dossier_id)))
    if row is None:
        raise NotFound(f"there is no document {dossier_id} for the courier")
    letter = await _letter_of(session, office, row)
    document = document_public(row, letter.accepted)
    if document is None:
        raise NotFound(f"there is no document {dossier_id} for the courier")
    return CourierDocumentPublic(
        **document.model_dump(),
        letter_id=UUID(letter.letter_id),
        letter_number=letter.letter_number,
        recipient_name=row.recipient_name,
        relationship=Relationship(row.relationship) if row.relationship else None,
        return_reason=ReturnReason(row.return_reason) if row.return_reason else None,
        note=row.note or "",
        returned_at=_in_wib(row.returned_at),
        received_at=_in_wib(row.received_at),
        out_for_delivery_at=_in_wib(row.out_for_delivery_at),
        wrong_codes=row.wrong_codes,
        attempts=await _attempts(session, office, row.dossier_id),
    )


async def _attempts(session: AsyncSession, office: str, dossier_id: str) -> list[DoorAttemptPublic]:
    rows = await session.exec(
        select(CourierAttempt)
        .where(CourierAttempt.office == office, CourierAttempt.dossier_id == dossier_id)
        .order_by(col(CourierAttempt.attempt))
    )
    return [
        DoorAttemptPublic(
            attempt=row.attempt,
            reason=AttemptReason(row.reason),
            note=row.note,
            attempted_at=to_wib(as_utc(row.attempted_at)),
        )
        for row in rows.all()
    ]


def _in_wib(moment: datetime | None) -> datetime | None:
    return to_wib(as_utc(moment)) if moment else None
