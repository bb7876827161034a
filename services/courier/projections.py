"""The courier's read model of the office log: what the third party may know of each
dossier (never the NIK), the recaps, the letters and what became of each document.

Events may come twice or, after a crash, out of order: every row is upserted, a dossier's
outcome only moves forward, and a handover goes to the feed once its letter is signed and
its whole manifest is known, whichever of those events arrives last. Each office has its
own rows (the event's office) and its own feed."""

from uuid import UUID

import orjson
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.courier.config import Context
from services.courier.domain import Outcome
from services.courier.feed import CourierFeed
from services.courier.read_model import CourierDossier, CourierLetter, CourierRecap
from services.courier.views import ready_manifest
from shared.consumer import Handler
from shared.db import claim_position, position_key, projection_of
from shared.events import (
    Delivered,
    DocumentRegistered,
    Envelope,
    HandoverAccepted,
    LetterDrafted,
    LetterRejected,
    LetterSigned,
    PersonalDataErased,
    RecapCompiled,
    Returned,
    ReturnReceived,
)
from shared.privacy import ERASED

PROJECTION = "courier"


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


async def apply_event(session: AsyncSession, event: Envelope) -> set[str]:
    """Apply one event to the read model; the ids of letters whose handover it may complete."""
    data, office = event.data, event.office
    match data:
        case DocumentRegistered():
            row = await _dossier(session, office, data.dossier_id)
            row.name, row.address, row.phone = data.name, data.address, data.phone
            row.document_type, row.document_number = data.document_type.value, data.document_number
            return await _letters_of_recap(session, office, row.recap_id)
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
            if row.document_number is not None:
                row.document_number = ERASED
            if row.recipient_name is not None:
                row.recipient_name = ERASED
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


def projection(context: Context) -> Handler:
    feeds = {
        office: CourierFeed(context.redis, context.keys_for(office)) for office in context.offices
    }

    async def handle(event: Envelope) -> None:
        feed = feeds[event.office]  # the consumer hands over only its own office's events
        async with context.sessions() as session:
            claimed = projection_of(PROJECTION, event.office)
            if not await claim_position(session, claimed, event.position or ""):
                return
            candidates = await apply_event(session, event)
            await session.flush()
            # The feed entry goes out before the commit: if the commit then fails, the
            # event is handled again and the feed's own once-per-letter mark drops the copy.
            for letter_id in sorted(candidates):
                manifest = await ready_manifest(session, event.office, letter_id)
                if manifest is not None:
                    await feed.publish(letter_id, manifest)
            await session.commit()

    return handle
