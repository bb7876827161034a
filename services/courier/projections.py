"""The courier's read model of the office log: what the third party may know of each
dossier (never the NIK), the recaps, the letters and what became of each document.

Events may come twice or, after a crash, out of order: every row is upserted, a dossier's
outcome only moves forward, and a handover goes to the feed (`consumers`) once its letter
is signed and its whole manifest is known, whichever of those events arrives last. Each
office has its own rows (the event's office) and its own feed."""

from datetime import datetime
from uuid import UUID

import orjson
from sqlalchemy import BigInteger, DateTime
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.courier.config import Context
from services.courier.domain import Outcome
from shared.db import add_missing_columns
from shared.events import (
    Delivered,
    DeliveryAttemptFailed,
    DocumentRegistered,
    DossierCorrected,
    Envelope,
    HandoverAccepted,
    LetterDrafted,
    LetterRejected,
    LetterSigned,
    OutForDelivery,
    PersonalDataErased,
    RecapCompiled,
    ReceiptCodeRefused,
    Returned,
    ReturnReceived,
)
from shared.privacy import ERASED
from shared.store import position_key

PROJECTION = "courier"


class CourierDossier(SQLModel, table=True):
    """One document as the courier sees it: delivery data, and what became of it."""

    __tablename__ = "courier_dossier"
    office: str = Field(primary_key=True, max_length=8)
    dossier_id: str = Field(primary_key=True, max_length=36)
    name: str | None = None  # None until its DocumentRegistered is projected
    address: str | None = None
    phone: str | None = None
    document_type: str | None = None
    document_number: str | None = None
    recap_id: str | None = Field(default=None, index=True, max_length=36)
    outcome: str = Field(default=Outcome.WITH_COURIER.value, max_length=20)
    letter_id: str | None = Field(default=None, max_length=36)  # once delivered or returned
    recipient_name: str | None = None
    relationship: str | None = None
    return_reason: str | None = None
    note: str | None = None
    returned_order: int | None = Field(default=None, index=True, sa_type=BigInteger)
    returned_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    received_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    tracking_code: str | None = Field(default=None, max_length=16)
    failed_attempts: int = 0
    out_for_delivery_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    wrong_codes: int = 0  # wrong receipt codes entered at the door


class CourierAttempt(SQLModel, table=True):
    """One failed attempt at the door: which one, why and when."""

    __tablename__ = "courier_attempt"
    office: str = Field(primary_key=True, max_length=8)
    dossier_id: str = Field(primary_key=True, max_length=36)
    attempt: int = Field(primary_key=True)
    reason: str = Field(max_length=24)
    note: str = ""
    attempted_at: datetime = Field(sa_type=DateTime(timezone=True))


# Columns added after databases were made with the table (issue 28).
ADDED_COLUMNS = {
    "tracking_code": "VARCHAR(16)",
    "failed_attempts": "INTEGER NOT NULL DEFAULT 0",
    "out_for_delivery_at": "TIMESTAMP WITH TIME ZONE",
    "wrong_codes": "INTEGER NOT NULL DEFAULT 0",
}


class CourierRecap(SQLModel, table=True):
    __tablename__ = "courier_recap"
    office: str = Field(primary_key=True, max_length=8)
    recap_id: str = Field(primary_key=True, max_length=36)
    document_type: str
    dossier_ids: str  # JSON list, in the recap's order


class CourierLetter(SQLModel, table=True):
    __tablename__ = "courier_letter"
    office: str = Field(primary_key=True, max_length=8)
    letter_id: str = Field(primary_key=True, max_length=36)
    letter_number: str
    recap_id: str = Field(index=True, max_length=36)
    signed: bool = False
    rejected: bool = False
    accepted: bool = False
    ready_order: int | None = Field(
        default=None, index=True, sa_type=BigInteger
    )  # the LetterSigned position
    accepted_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


async def add_columns(context: Context) -> None:
    await add_missing_columns(context.engine, "courier_dossier", ADDED_COLUMNS)


def order_of(position: str) -> int:
    """A log position as one sortable integer (milliseconds, then sequence)."""
    milliseconds, sequence = position_key(position)
    return milliseconds * 1_000_000 + sequence


_RANK = {
    Outcome.WITH_COURIER: 0,
    Outcome.DELIVERED: 1,
    Outcome.RETURNED: 1,
    Outcome.RECEIVED_BACK: 2,
}


async def _dossier(session: AsyncSession, office: str, dossier_id: UUID) -> CourierDossier:
    row = await session.get(CourierDossier, (office, str(dossier_id)))
    if row is None:
        row = CourierDossier(office=office, dossier_id=str(dossier_id))
        session.add(row)
    return row


async def _letter(
    session: AsyncSession, office: str, letter_id: UUID, recap_id: UUID, number: str | None = None
) -> CourierLetter:
    row = await session.get(CourierLetter, (office, str(letter_id)))
    if row is None:
        row = CourierLetter(
            office=office, letter_id=str(letter_id), letter_number="", recap_id=str(recap_id)
        )
        session.add(row)
    if number is not None:
        row.letter_number = number
    return row


def _advance(row: CourierDossier, outcome: Outcome) -> None:
    # An older event handled late (after a crash) must not move the dossier back.
    if _RANK[outcome] >= _RANK[Outcome(row.outcome)]:
        row.outcome = outcome.value


# The events that change this read model (`apply_event` passes over any other).
CONSUMED = (
    DocumentRegistered,
    DossierCorrected,
    RecapCompiled,
    LetterDrafted,
    LetterSigned,
    LetterRejected,
    HandoverAccepted,
    Delivered,
    Returned,
    ReturnReceived,
    PersonalDataErased,
    OutForDelivery,
    DeliveryAttemptFailed,
    ReceiptCodeRefused,
)


async def apply_event(session: AsyncSession, event: Envelope) -> set[str]:
    """Apply one event to the read model; the ids of letters whose handover it may complete."""
    data, office = event.data, event.office
    match data:
        case DocumentRegistered():
            row = await _dossier(session, office, data.dossier_id)
            if row.document_type is None:  # a correction handled first (after a crash) stays
                row.name, row.address, row.phone = data.name, data.address, data.phone
            row.document_type, row.document_number = data.document_type.value, data.document_number
            row.tracking_code = None if data.name == ERASED else data.tracking_code
            return await _letters_of_recap(session, office, row.recap_id)
        case DossierCorrected():
            row = await _dossier(session, office, data.dossier_id)
            if row.address != ERASED:
                for field in data.fields:
                    setattr(row, field.value, getattr(data, field.value))
        case RecapCompiled():
            ids = [str(dossier_id) for dossier_id in data.dossier_ids]
            if await session.get(CourierRecap, (office, str(data.recap_id))) is None:
                session.add(
                    CourierRecap(
                        office=office,
                        recap_id=str(data.recap_id),
                        document_type=data.document_type.value,
                        dossier_ids=orjson.dumps(ids).decode(),
                    )
                )
            for dossier_id in data.dossier_ids:
                (await _dossier(session, office, dossier_id)).recap_id = str(data.recap_id)
            return await _letters_of_recap(session, office, str(data.recap_id))
        case LetterDrafted():
            await _letter(session, office, data.letter_id, data.recap_id, data.letter_number)
        case LetterSigned():
            number = data.letter_number
            letter = await _letter(session, office, data.letter_id, data.recap_id, number)
            letter.signed, letter.ready_order = True, order_of(event.position or "0-0")
            return {letter.letter_id}
        case LetterRejected():
            (await _letter(session, office, data.letter_id, data.recap_id)).rejected = True
        case HandoverAccepted():
            letter = await _letter(session, office, data.letter_id, data.recap_id)
            letter.accepted, letter.accepted_at = True, event.occurred_at
        case OutForDelivery():
            row = await _dossier(session, office, data.dossier_id)
            row.out_for_delivery_at = event.occurred_at
        case DeliveryAttemptFailed():
            row = await _dossier(session, office, data.dossier_id)
            row.failed_attempts = max(row.failed_attempts, data.attempt)
            key = (office, str(data.dossier_id), data.attempt)
            if await session.get(CourierAttempt, key) is None:
                session.add(
                    CourierAttempt(
                        office=office,
                        dossier_id=str(data.dossier_id),
                        attempt=data.attempt,
                        reason=data.reason.value,
                        note=data.note,
                        attempted_at=event.occurred_at,
                    )
                )
        case ReceiptCodeRefused():
            row = await _dossier(session, office, data.dossier_id)
            row.wrong_codes = max(row.wrong_codes, data.wrong_tries)
        case Delivered():
            row = await _dossier(session, office, data.dossier_id)
            _advance(row, Outcome.DELIVERED)
            row.letter_id = str(data.letter_id)
            row.recipient_name, row.relationship = data.recipient_name, data.relationship.value
            row.note = data.note
        case Returned():
            row = await _dossier(session, office, data.dossier_id)
            _advance(row, Outcome.RETURNED)
            row.letter_id = str(data.letter_id)
            row.return_reason, row.note = data.reason.value, data.note
            row.returned_at = event.occurred_at
            row.returned_order = order_of(event.position or "0-0")
        case ReturnReceived():
            row = await _dossier(session, office, data.dossier_id)
            _advance(row, Outcome.RECEIVED_BACK)
            row.received_at = event.occurred_at
        case PersonalDataErased():
            # The feed entries already sent to the third party are out of the office's reach.
            row = await _dossier(session, office, data.dossier_id)
            row.name = row.address = row.phone = ERASED
            row.tracking_code = None
            if row.document_number is not None:
                row.document_number = ERASED
            if row.recipient_name is not None:
                row.recipient_name = ERASED
            if row.note:
                row.note = ERASED  # a note may name the person as well as anything else
    return set()


async def _letters_of_recap(session: AsyncSession, office: str, recap_id: str | None) -> set[str]:
    if recap_id is None:
        return set()
    rows = await session.exec(
        select(CourierLetter.letter_id).where(
            CourierLetter.office == office,
            CourierLetter.recap_id == recap_id,
            col(CourierLetter.signed).is_(True),
        )
    )
    return set(rows.all())
