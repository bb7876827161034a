"""The last mile: the courier sets out to the door, records an attempt that failed, hands the
document over (with the receipt code, or with a photo proof kept sealed) or brings it back.
Each is decided on the document's delivery and the handover of the letter carrying it, as
the log has them, and appended at the version they were read at."""

import contextlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from typing import Generic, TypeVar
from uuid import UUID

from services.courier import domain
from services.courier.commands.common import append_event, kept_changing, letter_carrying
from services.courier.config import Context
from services.courier.domain import (
    Delivery,
    Handover,
    Outcome,
    Proof,
    delivery_stream,
    evolve_delivery,
    evolve_handover,
    handover_stream,
)
from services.courier.photos import Photo, PhotoStore
from services.courier.queries import AttemptPublic, DeliveryOutcomePublic, OutForDeliveryPublic
from shared.aggregate import Committed, committed, load_aggregate
from shared.commands import run_command
from shared.errors import NotFound, ServiceUnavailable, Unprocessable
from shared.events import Delivered, DeliveryAttemptFailed, EventData, ReceiptCodeRefused
from shared.identity import Officer
from shared.log import EventLog
from shared.vocabulary import AttemptReason, ReturnReason

E = TypeVar("E", bound=EventData)
R = TypeVar("R")


async def delivery_of(context: Context, office: str, dossier_id: UUID) -> Delivery:
    """What became of a document as the log has it now, e.g. to say why a command was refused."""
    log = context.log_for(office)
    delivery, _ = await load_aggregate(
        log, delivery_stream(dossier_id), evolve_delivery, Delivery()
    )
    return delivery


async def _load_for_courier(
    context: Context, office: str, dossier_id: UUID
) -> tuple[Delivery, int, Handover, UUID]:
    log = context.log_for(office)
    delivery, version = await load_aggregate(
        log, delivery_stream(dossier_id), evolve_delivery, Delivery()
    )
    letter_id = delivery.letter_id or await letter_carrying(context, office, dossier_id)
    handover, _ = await load_aggregate(log, handover_stream(letter_id), evolve_handover, Handover())
    return delivery, version, handover, letter_id


async def send_out_for_delivery(
    context: Context, officer: Officer, dossier_id: UUID
) -> Committed[OutForDeliveryPublic]:
    """The courier sets out to the door; the citizen is sent a fresh 6-digit receipt code."""
    max_attempts = context.settings.max_attempts
    return await _decide_on_document(
        context,
        officer,
        dossier_id,
        partial(
            domain.send_out,
            receipt_code=f"{secrets.randbelow(10**6):06d}",
            max_attempts=max_attempts,
        ),
        lambda decided: OutForDeliveryPublic(
            dossier_id=dossier_id,
            letter_id=decided.letter_id,
            failed_attempts=decided.delivery.failed_attempts,
        ),
    )


async def record_attempt(
    context: Context, officer: Officer, dossier_id: UUID, *, reason: AttemptReason, note: str
) -> Committed[AttemptPublic]:
    """The courier could not hand the document over at the door this time, and says why."""
    max_attempts = context.settings.max_attempts

    def recorded(decided: Decided[DeliveryAttemptFailed]) -> AttemptPublic:
        event = decided.event
        return AttemptPublic(
            dossier_id=dossier_id,
            letter_id=decided.letter_id,
            attempt=event.attempt,
            reason=event.reason,
            note=event.note,
            attempts_left=max(max_attempts - event.attempt, 0),
        )

    return await _decide_on_document(
        context,
        officer,
        dossier_id,
        partial(domain.record_attempt, reason=reason, note=note, max_attempts=max_attempts),
        recorded,
    )


async def record_delivery(
    context: Context,
    photos: PhotoStore,
    officer: Officer,
    dossier_id: UUID,
    proof: Proof,
    photo: Photo | None = None,
) -> Committed[DeliveryOutcomePublic]:
    """The courier hands a document over: with the receipt code the citizen was sent, or with
    the recipient's name, relationship and a photo. The photo is kept (sealed) first, and
    removed again if the delivery is refused."""
    office, log = officer.office, context.log_for(officer.office)
    if photo is not None:
        proof = replace(proof, photo_sha256=photo.sha256)
        await _load_for_courier(context, office, dossier_id)  # 404 before anything is kept
        wrote = await photos.put(log, dossier_id, photo)
    max_attempts = context.settings.max_attempts

    def delivered(decided: Decided[Delivered | ReceiptCodeRefused]) -> DeliveryOutcomePublic:
        event = decided.event
        if isinstance(event, ReceiptCodeRefused):
            raise WrongReceiptCode(event.wrong_tries, decided.position)
        return DeliveryOutcomePublic(
            dossier_id=dossier_id,
            letter_id=decided.letter_id,
            delivery_status=Outcome.DELIVERED,
            code_verified=event.code_verified,
            photo_sha256=event.photo_sha256,
        )

    try:
        return await _decide_on_document(
            context,
            officer,
            dossier_id,
            partial(domain.deliver, proof=proof, max_attempts=max_attempts),
            delivered,
        )
    except Exception:
        if photo is not None and wrote and not await _delivered_with(log, dossier_id, photo):
            # The refusal is the answer: a photo the store could not drop now stays sealed,
            # and goes with the dossier's erasure.
            with contextlib.suppress(ServiceUnavailable):
                await photos.discard(office, dossier_id, photo.sha256)
        raise


async def _delivered_with(log: EventLog, dossier_id: UUID, photo: Photo) -> bool:
    """Whether a delivery of the document was recorded with this very photo (a request sent
    twice at once: the one that lost must not take the winner's photo away)."""
    events = await log.load(delivery_stream(dossier_id))
    return any(
        isinstance(e.data, Delivered) and e.data.photo_sha256 == photo.sha256 for e in events
    )


class WrongReceiptCode(Unprocessable):
    """The code entered at the door is not the one sent; the refusal is in the log."""

    def __init__(self, wrong_tries: int, position: str | None) -> None:
        left = max(domain.MAX_WRONG_CODES - wrong_tries, 0)
        then = (
            f"{left} more wrong code(s) and it can only be delivered with photo proof"
            if left
            else "the code is now locked: deliver with the recipient's name, relationship "
            "and a photo"
        )
        message = f"this is not the receipt code sent to the citizen ({wrong_tries} wrong); {then}"
        super().__init__(
            f"receipt_code: {message}", errors=[{"field": "receipt_code", "message": message}]
        )
        self.position = position
        self.wrong_tries = wrong_tries


async def delivery_photo(
    context: Context, photos: PhotoStore, officer: Officer, dossier_id: UUID
) -> Photo:
    """The photo proof of a delivery, opened for the auditor while the dossier's key exists."""
    log = context.log_for(officer.office)
    events = await log.load(delivery_stream(dossier_id))
    shas = [e.data.photo_sha256 for e in events if isinstance(e.data, Delivered)]
    if not shas or shas[-1] is None:
        raise NotFound(f"there is no photo proof of the delivery of document {dossier_id}")
    photo = await photos.get(log, dossier_id, shas[-1])
    if photo is None:
        raise NotFound(
            f"the photo proof of document {dossier_id} is no longer readable: its personal "
            "data was erased"
        )
    return photo


async def record_return(
    context: Context,
    officer: Officer,
    dossier_id: UUID,
    *,
    reason: ReturnReason,
    note: str,
) -> Committed[DeliveryOutcomePublic]:
    """The courier brings a document back undelivered, with the reason."""
    return await _decide_on_document(
        context,
        officer,
        dossier_id,
        partial(domain.return_document, reason=reason, note=note),
        lambda decided: DeliveryOutcomePublic(
            dossier_id=dossier_id, letter_id=decided.letter_id, delivery_status=Outcome.RETURNED
        ),
    )


@dataclass(frozen=True, slots=True)
class Decided(Generic[E]):
    """A decision on a document, appended: its event, the delivery as it was decided on, the
    letter that carries the document, and the event's log position."""

    event: E
    delivery: Delivery
    letter_id: UUID
    position: str | None


async def _decide_on_document(
    context: Context,
    officer: Officer,
    dossier_id: UUID,
    decide: Callable[..., E],
    answer: Callable[[Decided[E]], R],
) -> Committed[R]:
    """A decision on a document as the log has it now (its delivery, and the handover of the
    letter carrying it), appended at the version it was read at, and the command's answer.
    `decide` is a domain decision given all but those and the ids of the document and letter."""

    async def attempt() -> Committed[R]:
        delivery, version, handover, letter_id = await _load_for_courier(
            context, officer.office, dossier_id
        )
        event = decide(delivery, handover, dossier_id=dossier_id, letter_id=letter_id)
        appended = await append_event(context, officer, delivery_stream(dossier_id), event, version)
        decided = Decided(event, delivery, letter_id, appended[-1].position)
        return committed(answer(decided), appended)

    return await run_command(attempt, busy=kept_changing(dossier_id))
