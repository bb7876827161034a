"""The closed sets of values the procedure knows. Unknown values are rejected."""

from enum import StrEnum


class DocumentType(StrEnum):
    AKTA = "AKTA"
    KK = "KK"
    KTP_EL = "KTP_EL"
    KIA = "KIA"


class Role(StrEnum):
    FO = "FO"
    KASUBBAG_UMUM = "KASUBBAG_UMUM"
    SEKRETARIS = "SEKRETARIS"
    COURIER = "COURIER"
    AUDITOR = "AUDITOR"


class FlagReason(StrEnum):
    DATA_ENTRY_ERROR = "DATA_ENTRY_ERROR"
    UNSIGNED_DOCUMENT = "UNSIGNED_DOCUMENT"
    OTHER = "OTHER"


class Relationship(StrEnum):
    SELF = "SELF"
    FAMILY = "FAMILY"
    OTHER = "OTHER"


class ReturnReason(StrEnum):
    ADDRESS_NOT_FOUND = "ADDRESS_NOT_FOUND"
    RECIPIENT_NOT_HOME = "RECIPIENT_NOT_HOME"
    RECIPIENT_UNKNOWN = "RECIPIENT_UNKNOWN"
    REFUSED = "REFUSED"
    OTHER = "OTHER"


class DossierStatus(StrEnum):
    """A dossier's place in the lifecycle, as the control card shows it."""

    REGISTERED = "REGISTERED"
    FLAGGED = "FLAGGED"
    RECAPPED = "RECAPPED"
    LETTER_DRAFTED = "LETTER_DRAFTED"
    LETTER_SIGNED = "LETTER_SIGNED"
    WITH_COURIER = "WITH_COURIER"
    DELIVERED = "DELIVERED"
    RETURNED = "RETURNED"
    RECEIVED_BACK = "RECEIVED_BACK"
