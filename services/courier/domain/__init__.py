"""The courier's two aggregates, pure: no I/O. One module each:

- `handovers`: a handover (`handover-<letter_id>`) is a signed cover letter with its
  documents, accepted once by the third party.
- `deliveries`: a delivery (`delivery-<dossier_id>`) is what became of one document after
  that: its trips to the door (out for delivery with a receipt code sent to the citizen,
  failed attempts, wrong codes entered), then delivered, or returned and then received back
  at the office.

Decisions take the state loaded from those streams and a command, and return the data of
the event to append, or raise `Conflict`/`Unprocessable`."""

from services.courier.domain.deliveries import (
    MAX_WRONG_CODES,
    Delivery,
    Outcome,
    Proof,
    deliver,
    delivery_stream,
    evolve_delivery,
    receive_return,
    record_attempt,
    return_document,
    send_out,
)
from services.courier.domain.handovers import (
    Handover,
    LetterFacts,
    accept_handover,
    evolve_handover,
    handover_stream,
)

__all__ = [
    "MAX_WRONG_CODES",
    "Delivery",
    "Handover",
    "LetterFacts",
    "Outcome",
    "Proof",
    "accept_handover",
    "deliver",
    "delivery_stream",
    "evolve_delivery",
    "evolve_handover",
    "handover_stream",
    "receive_return",
    "record_attempt",
    "return_document",
    "send_out",
]
