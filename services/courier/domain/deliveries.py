"""A delivery (`delivery-<dossier_id>`): what became of one document after its handover: its
trips to the door (out for delivery with a receipt code sent to the citizen, failed attempts,
wrong codes entered), then delivered, or returned and then received back at the office.
Every decision but the receipt of a return also needs the document's handover accepted."""

import hmac
from dataclasses import dataclass, replace
from enum import StrEnum
from uuid import UUID

from services.courier.domain.handovers import Handover
from shared.errors import Conflict, Unprocessable
from shared.events import (
    Delivered,
    DeliveryAttemptFailed,
    Envelope,
    OutForDelivery,
    ReceiptCodeRefused,
    Returned,
    ReturnReceived,
)
from shared.privacy import ERASED
from shared.vocabulary import AttemptReason, Relationship, ReturnReason

# Wrong receipt codes a document takes before only photo proof can deliver it: a 6-digit
# code is not to be guessed at the door.
MAX_WRONG_CODES = 5


def delivery_stream(dossier_id: UUID) -> str:
    return f"delivery-{dossier_id}"


class Outcome(StrEnum):
    WITH_COURIER = "WITH_COURIER"
    DELIVERED = "DELIVERED"
    RETURNED = "RETURNED"
    RECEIVED_BACK = "RECEIVED_BACK"


@dataclass(frozen=True, slots=True)
class Delivery:
    outcome: Outcome = Outcome.WITH_COURIER
    letter_id: UUID | None = None
    returned_by: str | None = None  # the officer id that recorded the return
    failed_attempts: int = 0
    receipt_code: str | None = None  # the last one sent; `[dihapus]` once erased
    wrong_codes: int = 0


def evolve_delivery(state: Delivery, event: Envelope) -> Delivery:
    match event.data:
        case OutForDelivery(letter_id=letter_id, receipt_code=code):
            return replace(state, letter_id=letter_id, receipt_code=code)
        case DeliveryAttemptFailed(letter_id=letter_id):
            return replace(state, letter_id=letter_id, failed_attempts=state.failed_attempts + 1)
        case ReceiptCodeRefused(letter_id=letter_id, wrong_tries=wrong):
            return replace(state, letter_id=letter_id, wrong_codes=max(wrong, state.wrong_codes))
        case Delivered(letter_id=letter_id):
            return replace(state, outcome=Outcome.DELIVERED, letter_id=letter_id)
        case Returned(letter_id=letter_id):
            return replace(
                state,
                outcome=Outcome.RETURNED,
                letter_id=letter_id,
                returned_by=event.actor.officer_id,
            )
        case ReturnReceived(letter_id=letter_id):
            return replace(state, outcome=Outcome.RECEIVED_BACK, letter_id=letter_id)
    return state


_ALREADY = {
    Outcome.DELIVERED: "was already delivered",
    Outcome.RETURNED: "was returned; it has to come back to the office first",
    Outcome.RECEIVED_BACK: "was returned and is back at the office",
}


def _require_with_courier(
    state: Delivery, handover: Handover, letter_id: UUID, dossier_id: UUID
) -> None:
    if state.outcome is not Outcome.WITH_COURIER:
        raise Conflict(f"document {dossier_id} {_ALREADY[state.outcome]}")
    if not handover.accepted or dossier_id not in handover.dossier_ids:
        raise Conflict(
            f"the handover of letter {letter_id} has not been accepted yet; "
            "accept it before delivering or returning its documents"
        )


def _require_attempts_left(state: Delivery, dossier_id: UUID, max_attempts: int) -> None:
    if state.failed_attempts >= max_attempts:
        raise Conflict(
            f"document {dossier_id} failed {state.failed_attempts} delivery attempts; after "
            f"{max_attempts} failed attempts (JASA_MAX_ATTEMPTS) the only way left is to "
            "return it to the office, where the citizen collects it"
        )


def send_out(
    state: Delivery,
    handover: Handover,
    *,
    dossier_id: UUID,
    letter_id: UUID,
    receipt_code: str,
    max_attempts: int,
) -> OutForDelivery:
    """The courier sets out to the door; the citizen is sent a new receipt code (made by the
    caller, from `secrets`), which replaces any sent before."""
    _require_with_courier(state, handover, letter_id, dossier_id)
    _require_attempts_left(state, dossier_id, max_attempts)
    return OutForDelivery(dossier_id=dossier_id, letter_id=letter_id, receipt_code=receipt_code)


def record_attempt(
    state: Delivery,
    handover: Handover,
    *,
    dossier_id: UUID,
    letter_id: UUID,
    reason: AttemptReason,
    note: str,
    max_attempts: int,
) -> DeliveryAttemptFailed:
    """The courier was at the door and could not hand the document over this time."""
    _require_why_for_other(reason, note, "say why the document could not be handed over")
    _require_with_courier(state, handover, letter_id, dossier_id)
    _require_attempts_left(state, dossier_id, max_attempts)
    return DeliveryAttemptFailed(
        dossier_id=dossier_id,
        letter_id=letter_id,
        attempt=state.failed_attempts + 1,
        reason=reason,
        note=note,
    )


@dataclass(frozen=True, slots=True)
class Proof:
    """What the courier brings from the door: the code the recipient gave, or who took the
    document (name, relationship) and a photo of it; or both."""

    receipt_code: str | None = None
    recipient_name: str | None = None
    relationship: Relationship | None = None
    photo_sha256: str | None = None
    note: str = ""


def deliver(
    state: Delivery,
    handover: Handover,
    *,
    dossier_id: UUID,
    letter_id: UUID,
    proof: Proof,
    max_attempts: int,
) -> Delivered | ReceiptCodeRefused:
    """The document reached the citizen (or someone who took it for them). A wrong receipt
    code is not a delivery: its refusal is what is recorded (the caller answers it as one),
    and after `MAX_WRONG_CODES` of them only photo proof delivers."""
    _require_with_courier(state, handover, letter_id, dossier_id)
    _require_attempts_left(state, dossier_id, max_attempts)
    if proof.receipt_code is None:
        return _delivered_without_code(dossier_id, letter_id, proof)
    if state.wrong_codes >= MAX_WRONG_CODES:
        raise Conflict(
            f"document {dossier_id}: {state.wrong_codes} wrong receipt codes were entered, so "
            "the code is locked; deliver it with the recipient's name, their relationship "
            "and a photo instead"
        )
    if state.receipt_code is None or state.receipt_code == ERASED:
        raise Conflict(
            f"no receipt code was sent for document {dossier_id}; mark it out for delivery "
            "first, or deliver it with the recipient's name, relationship and a photo"
        )
    if not hmac.compare_digest(proof.receipt_code.encode(), state.receipt_code.encode()):
        return ReceiptCodeRefused(
            dossier_id=dossier_id, letter_id=letter_id, wrong_tries=state.wrong_codes + 1
        )
    return Delivered(
        dossier_id=dossier_id,
        letter_id=letter_id,
        recipient_name=proof.recipient_name or "",
        relationship=proof.relationship or Relationship.SELF,
        note=proof.note,
        code_verified=True,
        photo_sha256=proof.photo_sha256,
    )


def _delivered_without_code(dossier_id: UUID, letter_id: UUID, proof: Proof) -> Delivered:
    missing = {
        "recipient_name": "the name of whoever took the document",
        "relationship": "their relationship to the applicant",
        "photo": "a photo of the handover (JPEG or PNG, at most 2 MB, sent as multipart)",
    }
    given = {
        "recipient_name": proof.recipient_name,
        "relationship": proof.relationship,
        "photo": proof.photo_sha256,
    }
    lacking = [name for name, value in given.items() if not value]
    if lacking:
        raise Unprocessable(
            "a delivery without the receipt code needs the recipient's name, their "
            "relationship and a photo",
            errors=[
                {"field": name, "message": f"needed without a receipt code: {missing[name]}"}
                for name in lacking
            ],
        )
    assert proof.recipient_name is not None and proof.relationship is not None
    return Delivered(
        dossier_id=dossier_id,
        letter_id=letter_id,
        recipient_name=proof.recipient_name,
        relationship=proof.relationship,
        note=proof.note,
        photo_sha256=proof.photo_sha256,
    )


def _require_why_for_other(reason: AttemptReason | ReturnReason, note: str, why: str) -> None:
    # "Other" says nothing by itself: the note must.
    if reason in (AttemptReason.OTHER, ReturnReason.OTHER) and not note:
        raise Unprocessable.field("note", why)


def return_document(
    state: Delivery,
    handover: Handover,
    *,
    dossier_id: UUID,
    letter_id: UUID,
    reason: ReturnReason,
    note: str,
) -> Returned:
    """The document could not be delivered and goes back to the office."""
    _require_why_for_other(reason, note, "say why the document could not be delivered")
    if state.outcome is Outcome.DELIVERED:
        raise Conflict(f"document {dossier_id} was delivered; it cannot be returned")
    _require_with_courier(state, handover, letter_id, dossier_id)
    return Returned(dossier_id=dossier_id, letter_id=letter_id, reason=reason, note=note)


def receive_return(
    state: Delivery, *, dossier_id: UUID, by: str, separate_duties: bool
) -> ReturnReceived:
    """The Kasubbag Umum takes a returned document back into the office. `by` is the receiving
    officer; `separate_duties`: this office keeps whoever returned it from receiving it."""
    if state.outcome is Outcome.RECEIVED_BACK:
        raise Conflict(f"document {dossier_id} was already received back")
    if state.outcome is not Outcome.RETURNED or state.letter_id is None:
        raise Conflict(f"document {dossier_id} was not returned by the courier")
    if separate_duties and by == state.returned_by:
        raise Conflict(
            f"document {dossier_id} was returned by you (officer {by}) as courier; the officer "
            "who returned a document cannot also receive it back; another Kasubbag Umum "
            "receives it"
        )
    return ReturnReceived(dossier_id=dossier_id, letter_id=state.letter_id)
