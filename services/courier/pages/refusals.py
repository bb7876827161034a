"""What the courier is told at the door when something cannot be recorded, in Bahasa
Indonesia and in the short words of a phone's screen: a field to correct, a photo that cannot
be taken, or a step the document's state does not allow."""

from fastapi import UploadFile
from pydantic import ValidationError

from services.courier.domain import MAX_WRONG_CODES, Delivery, Outcome
from services.courier.photos import MAX_PHOTO_BYTES, Photo, checked_photo
from shared.errors import Unprocessable
from shared.privacy import ERASED
from shared.validation import NAME_MAX, NOTE_MAX

LABELS = {
    "recipient_name": "Nama penerima",
    "relationship": "hubungan penerima dengan pemilik dokumen",
    "reason": "alasan pengembalian",
    "note": "Keterangan",
    "photo": "Foto serah terima",
    "receipt_code": "Kode terima",
}
LIMITS = {"recipient_name": NAME_MAX, "note": NOTE_MAX}
CHOICES = {"relationship", "reason"}
LOCKED = (
    f"Kode terima dikunci setelah {MAX_WRONG_CODES} kali salah. Serahkan dengan nama penerima, "
    "hubungannya, dan foto."
)
# The one rule a reason's form cannot tell by itself: "Lainnya" needs the why.
NOTE_NEEDED = "Tuliskan keterangan: untuk alasan Lainnya, keterangan wajib diisi."


def field_errors(invalid: ValidationError, labels: dict[str, str] | None = None) -> dict[str, str]:
    """One Indonesian sentence per field that failed, by the field's name."""
    found: dict[str, str] = {}
    for item in invalid.errors():
        name = str(item["loc"][0]) if item["loc"] else ""
        found.setdefault(name, say(name, str(item["type"]), labels))
    return found


def refused_fields(refused: Unprocessable) -> dict[str, str]:
    """A command's refusal of what the form sent, by field: the note a reason needs, or what
    a delivery without the receipt code lacks."""
    fields = [str(error["field"]) for error in refused.errors or []]
    return {name: NOTE_NEEDED if name == "note" else say(name, "missing") for name in fields}


def say(name: str, kind: str, labels: dict[str, str] | None = None) -> str:
    label = (labels or {}).get(name) or LABELS.get(name, name)
    if name in CHOICES:
        return f"Pilih {label}."
    if kind in ("missing", "empty"):
        return f"{label} wajib diisi."
    if kind == "too_long":
        return f"{label} paling panjang {LIMITS.get(name, NOTE_MAX)} karakter."
    if kind == "control_character":
        return f"{label} tidak boleh berisi tab atau karakter kendali lain."
    return f"{label} tidak dapat diterima."


async def photo_from(upload: UploadFile | None) -> Photo | str:
    """The photo taken at the door, checked as the API checks it; or, in Indonesian, why it
    cannot be taken."""
    content = await upload.read() if upload is not None else b""
    if not content:
        return "Ambil foto serah terima dokumen dengan kamera ponsel."
    if len(content) > MAX_PHOTO_BYTES:
        size = f"{len(content) / 1024 / 1024:.1f}".replace(".", ",")
        return f"Foto terlalu besar ({size} MB); paling besar 2 MB. Ambil foto lagi."
    try:
        return checked_photo(content)
    except Unprocessable:
        return "Berkas itu bukan foto JPEG atau PNG yang dapat dibaca. Ambil foto lagi."


def wrong_code(wrong_tries: int) -> str:
    left = MAX_WRONG_CODES - wrong_tries
    return (
        "Kode terima salah. Tanyakan lagi kode 6 angka dari pesan yang diterima warga. "
        f"Setelah {left} kali salah lagi, kode dikunci."
    )


def courier_refusal(
    delivery: Delivery, max_attempts: int, asked: Outcome | None, with_code: bool
) -> str:
    """Why the courier may not record this, from the document as the log has it."""
    if delivery.outcome is Outcome.DELIVERED:
        return "Dokumen ini sudah tercatat diserahkan kepada penerimanya; hasilnya tidak diubah."
    if delivery.outcome is Outcome.RETURNED:
        return "Dokumen ini sudah tercatat dikembalikan; serahkan dokumennya ke Kasubbag Umum."
    if delivery.outcome is Outcome.RECEIVED_BACK:
        return "Dokumen ini sudah dikembalikan dan diterima kembali di kantor."
    if asked is not Outcome.RETURNED and delivery.failed_attempts >= max_attempts:
        return (
            f"Dokumen ini sudah {delivery.failed_attempts} kali gagal diantar. Setelah "
            f"{max_attempts} kali gagal, dokumen hanya bisa dikembalikan ke kantor, tempat "
            "warga mengambilnya."
        )
    if with_code and delivery.wrong_codes >= MAX_WRONG_CODES:
        return LOCKED
    if with_code and delivery.receipt_code in (None, ERASED):
        return (
            "Kode terima belum dikirim ke warga. Tekan Berangkat mengantar dulu, atau serahkan "
            "dengan nama penerima, hubungannya, dan foto."
        )
    return (
        "Serah terima surat pengantar dokumen ini belum diterima. Terima serah terimanya "
        "dulu, lalu catat hasilnya."
    )
