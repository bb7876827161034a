"""Use cases of the courier service: load the aggregates from the log, decide, append. One
module each: the `handovers` of signed letters, the last mile of each document
(`deliveries`), and a returned document received back into the office (`returns`).

Decisions rest on state read from the log itself (`handover-<letter_id>`,
`delivery-<dossier_id>`) and are appended at the version they were read at, so two
commands racing on one document give one effect and one conflict. The projection is
asked only for facts that never change once known: which letter is signed, which
documents its recap holds. Every command acts on the officer's office: its log, its rows."""

from services.courier.commands.deliveries import (
    WrongReceiptCode,
    delivery_of,
    delivery_photo,
    record_attempt,
    record_delivery,
    record_return,
    send_out_for_delivery,
)
from services.courier.commands.handovers import accept_handover, handover_of
from services.courier.commands.returns import receive_return

__all__ = [
    "WrongReceiptCode",
    "accept_handover",
    "delivery_of",
    "delivery_photo",
    "handover_of",
    "receive_return",
    "record_attempt",
    "record_delivery",
    "record_return",
    "send_out_for_delivery",
]
