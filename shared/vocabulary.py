"""The closed sets of values the procedure knows. Unknown values are rejected."""

from enum import StrEnum


class DocumentType(StrEnum):
    AKTA = "AKTA"
    KK = "KK"
    KTP_EL = "KTP_EL"
    KIA = "KIA"


# One vocabulary for what people read: a document type's proper name, printed and shown.
DOCUMENT_TYPE_NAMES: dict[DocumentType, str] = {
    DocumentType.AKTA: "Akta Pencatatan Sipil",
    DocumentType.KK: "Kartu Keluarga",
    DocumentType.KTP_EL: "KTP Elektronik",
    DocumentType.KIA: "Kartu Identitas Anak",
}
# How a document type is written inside a reference number (`REK/KTP-EL/2026/0007`).
DOCUMENT_TYPE_CODES: dict[DocumentType, str] = {
    DocumentType.AKTA: "AKTA",
    DocumentType.KK: "KK",
    DocumentType.KTP_EL: "KTP-EL",
    DocumentType.KIA: "KIA",
}


def document_type_name(code: str) -> str:
    """`KTP_EL` as people read it, `KTP Elektronik`; an unknown code as it is."""
    try:
        return DOCUMENT_TYPE_NAMES[DocumentType(code)]
    except ValueError:
        return code


def recap_number(document_type: str, year: int, seq: int) -> str:
    """A recap list's number, gap-free per office, type and year: `REK/KTP-EL/2026/0007`."""
    try:
        code = DOCUMENT_TYPE_CODES[DocumentType(document_type)]
    except ValueError:
        code = document_type
    return f"REK/{code}/{year}/{seq:04d}"


class Role(StrEnum):
    FO = "FO"
    KASUBBAG_UMUM = "KASUBBAG_UMUM"
    SEKRETARIS = "SEKRETARIS"
    COURIER = "COURIER"
    AUDITOR = "AUDITOR"


ROLE_TITLES: dict[Role, str] = {
    Role.FO: "Petugas Front Office",
    Role.KASUBBAG_UMUM: "Kepala Sub Bagian Umum",
    Role.SEKRETARIS: "Sekretaris",
    Role.COURIER: "Pihak Ketiga",
    Role.AUDITOR: "Auditor",
}


class FlagReason(StrEnum):
    DATA_ENTRY_ERROR = "DATA_ENTRY_ERROR"
    UNSIGNED_DOCUMENT = "UNSIGNED_DOCUMENT"
    OTHER = "OTHER"


class CorrectedField(StrEnum):
    """What a correction may change: what the FO typed and the registry does not check (the
    NIK, the document's type and number match the registry's entry, or it was refused)."""

    NAME = "name"
    ADDRESS = "address"
    PHONE = "phone"


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


class AttemptReason(StrEnum):
    """Why the courier could not hand a document over at the door this time."""

    ADDRESS_NOT_FOUND = "ADDRESS_NOT_FOUND"
    RECIPIENT_NOT_HOME = "RECIPIENT_NOT_HOME"
    RECIPIENT_MOVED = "RECIPIENT_MOVED"
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


# The lifecycle: where each event of the catalogue leaves the dossiers it concerns.
STATUS_AFTER_EVENT: dict[str, DossierStatus] = {
    "DocumentRegistered": DossierStatus.REGISTERED,
    "DocumentFlagged": DossierStatus.FLAGGED,
    "FlagResolved": DossierStatus.REGISTERED,
    "DossierCorrected": DossierStatus.FLAGGED,  # corrected while held back; released after
    "RecapCompiled": DossierStatus.RECAPPED,
    "LetterDrafted": DossierStatus.LETTER_DRAFTED,
    "LetterSigned": DossierStatus.LETTER_SIGNED,
    "LetterRejected": DossierStatus.RECAPPED,  # back to the Kasubbag Umum for a new letter
    "RejectionAddressed": DossierStatus.LETTER_DRAFTED,  # with the new letter
    "HandoverAccepted": DossierStatus.WITH_COURIER,
    "OutForDelivery": DossierStatus.WITH_COURIER,
    "DeliveryAttemptFailed": DossierStatus.WITH_COURIER,
    "Delivered": DossierStatus.DELIVERED,
    "Returned": DossierStatus.RETURNED,
    "ReturnReceived": DossierStatus.RECEIVED_BACK,
}


# What a page calls each value, in Bahasa Indonesia (the API keeps the codes above).
DOCUMENT_TYPE_LABELS: dict[DocumentType, str] = {
    DocumentType.AKTA: "Akta Pencatatan Sipil",
    DocumentType.KK: "Kartu Keluarga",
    DocumentType.KTP_EL: "KTP elektronik",
    DocumentType.KIA: "Kartu Identitas Anak",
}

DOSSIER_STATUS_LABELS: dict[DossierStatus, str] = {
    DossierStatus.REGISTERED: "Terdaftar",
    DossierStatus.FLAGGED: "Ditahan",
    DossierStatus.RECAPPED: "Masuk daftar rekapan",
    DossierStatus.LETTER_DRAFTED: "Surat pengantar dibuat",
    DossierStatus.LETTER_SIGNED: "Surat pengantar ditandatangani",
    DossierStatus.WITH_COURIER: "Dibawa kurir",
    DossierStatus.DELIVERED: "Diterima warga",
    DossierStatus.RETURNED: "Dikembalikan kurir",
    DossierStatus.RECEIVED_BACK: "Diterima kembali di kantor",
}

FLAG_REASON_LABELS: dict[FlagReason, str] = {
    FlagReason.DATA_ENTRY_ERROR: "Kesalahan entri data",
    FlagReason.UNSIGNED_DOCUMENT: "Dokumen belum ditandatangani",
    FlagReason.OTHER: "Alasan lain",
}

RETURN_REASON_LABELS: dict[ReturnReason, str] = {
    ReturnReason.ADDRESS_NOT_FOUND: "Alamat tidak ditemukan",
    ReturnReason.RECIPIENT_NOT_HOME: "Penerima tidak di rumah",
    ReturnReason.RECIPIENT_UNKNOWN: "Penerima tidak dikenal",
    ReturnReason.REFUSED: "Ditolak penerima",
    ReturnReason.OTHER: "Alasan lain",
}

# What each step of a control card is called on a page.
EVENT_LABELS: dict[str, str] = {
    "DocumentRegistered": "Didaftarkan",
    "DocumentFlagged": "Ditahan",
    "FlagResolved": "Tanda tahan diselesaikan",
    "RecapCompiled": "Masuk daftar rekapan",
    "LetterDrafted": "Surat pengantar dibuat",
    "LetterSigned": "Surat pengantar ditandatangani",
    "LetterRejected": "Surat pengantar ditolak",
    "HandoverAccepted": "Diserahkan ke kurir",
    "Delivered": "Diterima warga",
    "Returned": "Dikembalikan kurir",
    "ReturnReceived": "Diterima kembali di kantor",
}
# The SOP's activity (1-5) each event is a step of.
SOP_STEP_OF_EVENT: dict[str, int] = {
    "DocumentRegistered": 1,
    "DocumentFlagged": 1,
    "FlagResolved": 1,
    "RecapCompiled": 1,
    "LetterDrafted": 2,
    "LetterSigned": 3,
    "LetterRejected": 3,
    "HandoverAccepted": 4,
    "Delivered": 4,
    "Returned": 5,
    "ReturnReceived": 5,
}
