"""What the courier service shows: handovers with their manifest, returned documents, the
answers to its commands, and how its webhooks fare.
Read from the projection (eventually consistent; webhooks from their own records in Redis)
and always of one office, the officer's; no NIK is ever part of it."""

from collections import defaultdict
from datetime import datetime
from enum import StrEnum
from uuid import UUID

import orjson
from pydantic import BaseModel, Field
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from services.courier.domain import Outcome
from services.courier.projections import (
    CourierAttempt,
    CourierDossier,
    CourierLetter,
    CourierRecap,
)
from shared.db import keyset_page
from shared.errors import NotFound
from shared.http.pagination import Page, cursor_number, encode_cursor
from shared.masking import mask_document_number
from shared.vocabulary import AttemptReason, DocumentType, DossierStatus, Relationship, ReturnReason
from shared.webhooks.endpoints import Endpoint, as_time
from shared.webhooks.office import OfficeWebhooks
from shared.webhooks.outbox import Message
from shared.wib import as_utc, to_wib


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


class AcceptedHandoverPublic(BaseModel):
    letter_id: UUID
    recap_id: UUID
    status: HandoverStatus = HandoverStatus.ACCEPTED
    dossier_ids: list[UUID]


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


def _document(dossier: CourierDossier, accepted: bool) -> DocumentPublic | None:
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
    documents = [_document(dossier, accepted) for dossier in dossiers]
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
        received_at=to_wib(as_utc(row.received_at)) if row.received_at else None,
    )


# --- the courier's round: one document, and the handovers still being delivered ---------


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
    document = _document(row, letter.accepted)
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
        returned_at=to_wib(as_utc(row.returned_at)) if row.returned_at else None,
        received_at=to_wib(as_utc(row.received_at)) if row.received_at else None,
        out_for_delivery_at=(
            to_wib(as_utc(row.out_for_delivery_at)) if row.out_for_delivery_at else None
        ),
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


# --- how the webhooks fare, for the screens ------------------------------------------------


class WebhookEndpointPublic(BaseModel):
    endpoint_id: str
    url: str
    events: list[str]  # empty: every event
    description: str
    created_at: datetime
    enabled: bool
    disabled_at: datetime | None
    disabled_reason: str
    failing_since: datetime | None


class FailedWebhookPublic(BaseModel):
    message_id: str  # its `webhook-id`: `jasa webhooks replay` takes it
    endpoint_id: str
    type: str
    created_at: datetime
    attempts: int
    failed_at: datetime | None
    last_status: int | None
    last_error: str


def _wib(milliseconds: int | None) -> datetime | None:
    moment = as_time(milliseconds)
    return to_wib(moment) if moment is not None else None


def endpoint_public(endpoint: Endpoint) -> WebhookEndpointPublic:
    return WebhookEndpointPublic(
        endpoint_id=endpoint.id,
        url=endpoint.url,
        events=list(endpoint.events),
        description=endpoint.description,
        created_at=to_wib(as_time(endpoint.created_ms) or datetime.min),
        enabled=endpoint.enabled,
        disabled_at=_wib(endpoint.disabled_ms),
        disabled_reason=endpoint.disabled_reason,
        failing_since=_wib(endpoint.failing_since_ms),
    )


def failed_public(message: Message) -> FailedWebhookPublic:
    return FailedWebhookPublic(
        message_id=message.id,
        endpoint_id=message.endpoint_id,
        type=message.type,
        created_at=to_wib(as_time(message.created_ms) or datetime.min),
        attempts=message.attempts,
        failed_at=_wib(message.failed_ms),
        last_status=message.last_status,
        last_error=message.last_error,
    )


async def webhook_endpoints(webhooks: OfficeWebhooks) -> Page[WebhookEndpointPublic]:
    """The office's endpoints, the disabled ones with when and why."""
    endpoints = await webhooks.endpoints.all()
    return Page(items=[endpoint_public(endpoint) for endpoint in endpoints], next=None)


async def failed_webhooks(
    webhooks: OfficeWebhooks, cursor: str | None, limit: int
) -> Page[FailedWebhookPublic]:
    """Messages that used all their attempts, oldest first, for a replay."""
    after = cursor_number(cursor)
    found = await webhooks.outbox.failed_messages(after_ms=after, limit=limit + 1)
    page = found[:limit]
    more = len(found) > limit
    return Page(
        items=[failed_public(message) for message in page],
        next=encode_cursor(str(page[-1].created_ms)) if more and page else None,
    )
