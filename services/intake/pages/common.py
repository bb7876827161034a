"""What the FO desk's screens share: their router, who may see them, the labels of the
fields and vocabularies, and the domain's refusals as an FO reads them."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse

from shared.errors import Problem
from shared.identity import Officer
from shared.log import ConcurrencyConflict
from shared.vocabulary import (
    DOCUMENT_TYPE_LABELS,
    DOSSIER_STATUS_LABELS,
    EVENT_LABELS,
    FLAG_REASON_LABELS,
    RETURN_REASON_LABELS,
    SOP_STEP_OF_EVENT,
    DocumentType,
    DossierStatus,
    Role,
)
from shared.web.deps import page_for, page_router
from shared.web.forms import FORM_KEY_FIELD
from shared.web.navigation import ROLE_LABELS
from shared.web.pages import render
from shared.wib import WIB

pages = page_router()

FrontOffice = Annotated[Officer, Depends(page_for(Role.FO))]

FIELDS = ("nik", "name", "address", "phone", "document_type", "document_number")
LABELS = {
    "nik": "NIK",
    "name": "Nama",
    "address": "Alamat pengiriman",
    "phone": "Nomor HP",
    "document_type": "Jenis dokumen",
    "document_number": "Nomor dokumen",
    "reason": "Alasan",
    "note": "Catatan",
}
TODAY, ALL = "hari-ini", "semua"
STATUS_CODES = {status.value for status in DossierStatus}
TYPE_CODES = {kind.value for kind in DocumentType}
REFRESHED = "berkas-berubah"  # the event htmx hears when a dossier changed on this page

# The domain's refusals, as an FO reads them: matched on the sentence it gives, in English.
REFUSALS = (
    ("already in flight", "Dokumen ini masih dalam proses sebagai berkas lain yang belum "
     "selesai. Dokumen dapat didaftarkan lagi setelah berkas itu diterima warga atau "
     "diterima kembali di kantor."),
    ("is being registered by someone else", "Dokumen ini sedang didaftarkan petugas lain "
     "pada saat yang sama. Coba lagi."),
    ("is already flagged", "Berkas ini sudah ditahan. Selesaikan tanda tahan itu dahulu."),
    ("already in a recap list", "Berkas ini sudah masuk daftar rekapan dan tidak dapat "
     "ditahan lagi."),
    ("is not flagged", "Berkas ini tidak ditahan; tidak ada yang perlu diselesaikan."),
    ("was raised by you", "Tanda tahan ini Anda sendiri yang memasang. Di kantor ini, "
     "petugas FO lain yang menyelesaikannya."),
    ("no longer holds", "Database kependudukan tidak lagi memuat dokumen ini, jadi tanda "
     "'belum ditandatangani' belum dapat diselesaikan. Muat status dokumen yang sudah "
     "ditandatangani dengan `jasa registry load` dahulu."),
    ("still lists", "Database kependudukan masih mencatat dokumen ini belum ditandatangani. "
     "Muat status dokumen yang sudah ditandatangani dengan `jasa registry load`, lalu "
     "selesaikan tanda tahan ini."),
    ("waiting for a recap list", "Tidak ada berkas jenis ini yang terdaftar, tidak ditahan, "
     "dan menunggu daftar rekapan."),
    ("kept changing", "Berkas sedang diubah petugas lain pada saat yang sama. Coba lagi."),
)  # fmt: skip
REGISTRY = {
    "document_number": "Nomor dokumen ini tidak ada di database kependudukan. Periksa nomornya.",
    "document_type": "Database kependudukan mencatat nomor ini sebagai jenis dokumen lain. "
    "Periksa jenis dokumennya.",
    "nik": "Database kependudukan mencatat dokumen ini atas NIK lain. Periksa NIK dan nomor "
    "dokumennya.",
}


def refusal(error: Problem | ConcurrencyConflict) -> str:
    """A command's refusal in Bahasa Indonesia."""
    detail = getattr(error, "detail", "kept changing")
    for marker, message in REFUSALS:
        if marker in detail:
            return message
    return "Tindakan ini tidak dapat dilakukan pada keadaan berkas sekarang."


def labels() -> dict[str, Any]:
    return {
        "document_types": DOCUMENT_TYPE_LABELS,
        "statuses": DOSSIER_STATUS_LABELS,
        "flag_reasons": FLAG_REASON_LABELS,
        "return_reasons": RETURN_REASON_LABELS,
        "steps": EVENT_LABELS,
        "sop_step": SOP_STEP_OF_EVENT,
        "role_labels": ROLE_LABELS,
        "form_key_field": FORM_KEY_FIELD,
    }


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def moment(value: datetime) -> str:
    return f"{value.astimezone(WIB):%d-%m-%Y %H:%M} WIB"


async def missing(request: Request, message: str) -> HTMLResponse:
    return await render(request, "missing.html", {"message": message}, status_code=404)
