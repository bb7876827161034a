"""The handover (`handover-<letter_id>`): a signed cover letter with its documents, accepted
once by the third party, decided on the facts of the letter the office's log holds."""

from dataclasses import dataclass
from uuid import UUID

from shared.errors import Conflict
from shared.events import Envelope, HandoverAccepted


def handover_stream(letter_id: UUID) -> str:
    return f"handover-{letter_id}"


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
