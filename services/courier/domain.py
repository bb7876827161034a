"""The courier's two aggregates, pure: no I/O.

A handover (`handover-<letter_id>`) is a signed cover letter with its documents, accepted
once by the third party. A delivery (`delivery-<dossier_id>`) is what became of one
document after that: delivered, or returned and then received back at the office.
Decisions take the state loaded from those streams and a command, and return the data of
the event to append, or raise `Conflict`/`Unprocessable`."""

from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

from shared.errors import Conflict, Unprocessable
from shared.events import (
    Delivered,
    Envelope,
    HandoverAccepted,
    Returned,
    ReturnReceived,
)
from shared.vocabulary import Relationship, ReturnReason


def handover_stream(letter_id: UUID) -> str:
    return f"handover-{letter_id}"


def delivery_stream(dossier_id: UUID) -> str:
    return f"delivery-{dossier_id}"


# --- handover ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Handover:
    accepted: bool = False
    dossier_ids: tuple[UUID, ...] = ()


@dataclass(frozen=True, slots=True)
class LetterFacts:
    """What the office's log says of a letter, as far as accepting its handover needs."""

    letter_id: UUID
    letter_number: str
    recap_id: UUID | None
    signed: bool
    rejected: bool
    dossier_ids: tuple[UUID, ...] | None  # None: its recap is not known here yet


def evolve_handover(state: Handover, event: Envelope) -> Handover:
    if isinstance(event.data, HandoverAccepted):
        return Handover(accepted=True, dossier_ids=event.data.dossier_ids)
    return state


def accept_handover(state: Handover, letter: LetterFacts) -> HandoverAccepted:
    """The third party takes the signed list, the letter and the documents."""
    number = letter.letter_number
    if state.accepted:
        raise Conflict(f"the handover of letter {number} was already accepted")
    if letter.rejected:
        raise Conflict(f"letter {number} was rejected; there is nothing to hand over")
    if not letter.signed:
        raise Conflict(f"letter {number} is not signed yet; the handover waits for the Sekretaris")
    if letter.recap_id is None or letter.dossier_ids is None:
        raise Conflict(f"the recap list of letter {number} is not known here yet; try again")
    return HandoverAccepted(
        letter_id=letter.letter_id, recap_id=letter.recap_id, dossier_ids=letter.dossier_ids
    )


# --- delivery ---------------------------------------------------------------------------


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


def evolve_delivery(state: Delivery, event: Envelope) -> Delivery:
    match event.data:
        case Delivered(letter_id=letter_id):
            return Delivery(Outcome.DELIVERED, letter_id)
        case Returned(letter_id=letter_id):
            return Delivery(Outcome.RETURNED, letter_id, returned_by=event.actor.officer_id)
        case ReturnReceived(letter_id=letter_id):
            return Delivery(Outcome.RECEIVED_BACK, letter_id, returned_by=state.returned_by)
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


def deliver(
    state: Delivery,
    handover: Handover,
    *,
    dossier_id: UUID,
    letter_id: UUID,
    recipient_name: str,
    relationship: Relationship,
    note: str,
) -> Delivered:
    """The document reached the citizen (or someone who took it for them)."""
    _require_with_courier(state, handover, letter_id, dossier_id)
    return Delivered(
        dossier_id=dossier_id,
        letter_id=letter_id,
        recipient_name=recipient_name,
        relationship=relationship,
        note=note,
    )


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
    if reason is ReturnReason.OTHER and not note:
        raise Unprocessable.field("note", "say why the document could not be delivered")
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
