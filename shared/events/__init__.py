"""The event contracts: one envelope, the catalogue of DESIGN.md, and their canonical codec."""

from shared.events.catalogue import (
    CATALOGUE,
    Delivered,
    DocumentFlagged,
    DocumentRegistered,
    FlagResolved,
    HandoverAccepted,
    LetterDrafted,
    LetterRejected,
    LetterSigned,
    PersonalDataErased,
    RecapCompiled,
    Returned,
    ReturnReceived,
)
from shared.events.codec import (
    UnknownEventType,
    decode,
    decode_entry,
    encode,
    encode_for_log,
    register_upcaster,
)
from shared.events.envelope import Actor, Envelope, EventData, new_event, with_fields

__all__ = [
    "CATALOGUE",
    "Actor",
    "Delivered",
    "DocumentFlagged",
    "DocumentRegistered",
    "Envelope",
    "EventData",
    "FlagResolved",
    "HandoverAccepted",
    "LetterDrafted",
    "LetterRejected",
    "LetterSigned",
    "PersonalDataErased",
    "RecapCompiled",
    "ReturnReceived",
    "Returned",
    "UnknownEventType",
    "decode",
    "decode_entry",
    "encode",
    "encode_for_log",
    "new_event",
    "register_upcaster",
    "with_fields",
]
