"""What the pages call things, in Bahasa Indonesia: one word for each value of the
vocabulary, so every screen says the same. Templates get these as filters-in-values."""

from datetime import datetime

from shared.vocabulary import (
    AttemptReason,
    DossierStatus,
    FlagReason,
    Relationship,
    ReturnReason,
    document_type_name,
)
from shared.wib import tanggal_jam

STATUS_NAMES = {
    DossierStatus.REGISTERED: "Terdaftar",
    DossierStatus.FLAGGED: "Ditandai",
    DossierStatus.RECAPPED: "Masuk rekapan",
    DossierStatus.LETTER_DRAFTED: "Surat pengantar dibuat",
    DossierStatus.LETTER_SIGNED: "Surat pengantar ditandatangani",
    DossierStatus.WITH_COURIER: "Dibawa kurir",
    DossierStatus.DELIVERED: "Terkirim",
    DossierStatus.RETURNED: "Dikembalikan kurir",
    DossierStatus.RECEIVED_BACK: "Diterima kembali",
}
FLAG_REASONS = {
    FlagReason.DATA_ENTRY_ERROR: "Kesalahan entri data",
    FlagReason.UNSIGNED_DOCUMENT: "Dokumen belum ditandatangani",
    FlagReason.OTHER: "Lainnya",
}
RELATIONSHIPS = {
    Relationship.SELF: "Pemilik dokumen sendiri",
    Relationship.FAMILY: "Anggota keluarga",
    Relationship.OTHER: "Orang lain",
}
RETURN_REASONS = {
    ReturnReason.ADDRESS_NOT_FOUND: "Alamat tidak ditemukan",
    ReturnReason.RECIPIENT_NOT_HOME: "Penerima tidak di rumah",
    ReturnReason.RECIPIENT_UNKNOWN: "Penerima tidak dikenal",
    ReturnReason.REFUSED: "Ditolak penerima",
    ReturnReason.OTHER: "Lainnya",
}
ATTEMPT_REASONS = {
    AttemptReason.ADDRESS_NOT_FOUND: "Alamat tidak ditemukan",
    AttemptReason.RECIPIENT_NOT_HOME: "Penerima tidak di rumah",
    AttemptReason.RECIPIENT_MOVED: "Penerima sudah pindah",
    AttemptReason.REFUSED: "Ditolak penerima",
    AttemptReason.OTHER: "Lainnya",
}
# The SOP's five activities (SOP.md), as the control card names them.
SOP_STEPS = {
    1: "Pendaftaran dan rekapan (FO)",
    2: "Surat pengantar dibuat (Kasubbag Umum)",
    3: "Surat pengantar ditandatangani (Sekretaris)",
    4: "Serah terima dan pengantaran (pihak ketiga)",
    5: "Pengembalian dan penerimaan kembali (Kasubbag Umum)",
}
EVENT_NAMES = {
    "DocumentRegistered": "Berkas didaftarkan",
    "DocumentFlagged": "Berkas ditandai",
    "FlagResolved": "Tanda diselesaikan",
    "RecapCompiled": "Rekapan disusun",
    "LetterDrafted": "Surat pengantar dibuat",
    "LetterSigned": "Surat pengantar ditandatangani",
    "LetterRejected": "Surat pengantar ditolak",
    "HandoverAccepted": "Serah terima ke kurir",
    "OutForDelivery": "Diantar ke alamat (kode terima dikirim)",
    "DeliveryAttemptFailed": "Pengantaran belum berhasil",
    "Delivered": "Diserahkan ke penerima",
    "Returned": "Dikembalikan kurir",
    "ReturnReceived": "Diterima kembali di kantor",
}

SIGN_IN_KINDS = {
    "SIGNED_IN": "Masuk",
    "FAILED": "Gagal masuk",
    "LOCKED": "Dikunci (terlalu banyak gagal)",
    "REFUSED_LOCKED": "Ditolak: masih dikunci",
    "REFUSED_SUSPENDED": "Ditolak: petugas diberhentikan sementara",
    "SIGNED_OUT": "Keluar",
    "SESSIONS_ENDED": "Sesi diakhiri",
}


def _named(names: dict, value: str) -> str:  # type: ignore[type-arg]
    return names.get(value, value)


def document_name(value: str) -> str:
    return document_type_name(value)


def status_name(value: str) -> str:
    return _named(STATUS_NAMES, value)


def flag_reason(value: str) -> str:
    return _named(FLAG_REASONS, value)


def relationship(value: str) -> str:
    return _named(RELATIONSHIPS, value)


def return_reason(value: str) -> str:
    return _named(RETURN_REASONS, value)


def attempt_reason(value: str) -> str:
    return _named(ATTEMPT_REASONS, value)


def sign_in_kind(value: str) -> str:
    return _named(SIGN_IN_KINDS, value)


def step_name(step: int) -> str:
    return SOP_STEPS.get(step, str(step))


def event_name(value: str) -> str:
    return _named(EVENT_NAMES, value)


def when(value: str | datetime | None) -> str:
    """A time as an officer reads it (`6 Desember 2026 09:15 WIB`), given as ISO text too."""
    if value is None or value == "":
        return "-"
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return tanggal_jam(moment)


def duration(seconds: float | None) -> str:
    """`1 jam 5 menit`, `40 detik`: how long a step took, as said aloud."""
    if seconds is None:
        return "-"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours} jam"] if hours else []
    parts += [f"{minutes} menit"] if minutes else []
    parts += [f"{secs} detik"] if secs and not hours else []
    return " ".join(parts) or "0 detik"


# What every template may call.
FILTERS = {
    "document_name": document_name,
    "status_name": status_name,
    "flag_reason": flag_reason,
    "relationship": relationship,
    "return_reason": return_reason,
    "attempt_reason": attempt_reason,
    "sign_in_kind": sign_in_kind,
    "step_name": step_name,
    "event_name": event_name,
    "when": when,
    "duration": duration,
}
