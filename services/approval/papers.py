"""The Surat Pengantar as the office prints it and hands it to the courier: letterhead,
Nomor / Lampiran / Perihal, the third party it is addressed to, the recap list, and who
drafted and who signed it. No NIK is printed."""

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import phonenumbers
from fpdf.enums import XPos, YPos

from services.approval.domain import Letter, LetterStatus
from services.approval.projections import ApprovalDossier
from shared.masking import mask_document_number
from shared.pdf import Column, OfficePaper
from shared.wib import tanggal, tanggal_jam

SUBJECT = "Pengantar Pengiriman Dokumen Kependudukan"
PLACES = {"1471": "Pekanbaru"}
DOCUMENT_NAMES = {
    "AKTA": "Akta Pencatatan Sipil",
    "KK": "Kartu Keluarga",
    "KTP_EL": "KTP Elektronik",
    "KIA": "Kartu Identitas Anak",
}
COLUMNS = (
    Column("No", 10, "C"),
    Column("Nama", 38),
    Column("Alamat", 58),
    Column("No. HP", 28),
    Column("Jenis dokumen", 26),
    Column("No. dokumen", 30),
)
NOT_YET_KNOWN = "(belum tercatat)"


def national_phone(phone: str) -> str:
    """`+6281234567890` as an Indonesian courier dials it: `0812-3456-7890`."""
    try:
        number = phonenumbers.parse(phone, "ID")
    except phonenumbers.NumberParseException:
        return phone
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def document_rows(
    documents: Sequence[tuple[UUID, ApprovalDossier | None]],
) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    for n, (dossier_id, dossier) in enumerate(documents, start=1):
        if dossier is None:
            rows.append((n, NOT_YET_KNOWN, f"berkas {dossier_id}", "", "", ""))
            continue
        rows.append(
            (
                n,
                dossier.name,
                dossier.address,
                national_phone(dossier.phone),
                DOCUMENT_NAMES.get(dossier.document_type, dossier.document_type),
                mask_document_number(dossier.document_number),
            )
        )
    return rows


def surat_pengantar(
    letter: Letter,
    office: str,
    document_type: str,
    documents: Sequence[tuple[UUID, ApprovalDossier | None]],
    rejection: str | None = None,
) -> bytes:
    """The cover letter of one recap as a PDF; a redraft with the reason (`rejection`) its
    predecessor was rejected for and what it fixed."""
    place = PLACES.get(office, "")
    paper = OfficePaper(office, f"Surat Pengantar {letter.letter_number}")
    if letter.status is LetterStatus.REJECTED:
        _rejected_banner(paper, letter)
    if letter.fixes is not None:
        _fix_note(paper, letter, rejection)
    paper.set_font("Helvetica", "", 10)
    paper.cell(0, 5, f"{place}, {tanggal(letter.drafted_at)}".strip(", "), align="R")
    paper.ln(8)
    kind = DOCUMENT_NAMES.get(document_type, document_type)
    paper.fields(
        [
            ("Nomor", letter.letter_number),
            ("Sifat", "Biasa"),
            ("Lampiran", f"1 (satu) berkas daftar rekapan ({len(documents)} dokumen)"),
            ("Perihal", SUBJECT),
        ],
        label_width=22,
    )
    paper.ln(4)
    paper.paragraph(
        "Kepada Yth.\nPimpinan Pihak Ketiga (Jasa Pengiriman)\n"
        "Mitra Jasa Dukcapil\ndi -\n    Tempat"
    )
    paper.ln(2)
    paper.paragraph(
        "Dengan hormat,\n"
        f"Bersama ini kami sampaikan {len(documents)} berkas dokumen kependudukan jenis {kind} "
        "sebagaimana tercantum dalam daftar rekapan di bawah ini, untuk diantarkan kepada "
        "pemohon di alamat masing-masing dalam rangka Jasa Dukcapil. Dokumen yang tidak dapat "
        "diserahkan agar dikembalikan kepada Kasubbag Umum beserta keterangan alasannya. "
        "Demikian disampaikan, atas kerja samanya diucapkan terima kasih."
    )
    paper.ln(1)
    paper.grid(COLUMNS, document_rows(documents))
    _signatures(paper, letter, place)
    return paper.render()


def _fix_note(paper: OfficePaper, letter: Letter, rejection: str | None) -> None:
    """A redraft says, above the letter, which rejected letter it replaces and what it fixed."""
    assert letter.fixes is not None
    paper.set_font("Helvetica", "I", 9)
    replaced = letter.fixes.rejected_letter_number
    paper.paragraph(
        f"Surat ini pengganti surat nomor {replaced} yang ditolak"
        + (f" dengan alasan: {rejection}." if rejection else ".")
        + f" Perbaikan: {letter.fixes.fix}",
        size=9,
    )
    paper.ln(1)


def _rejected_banner(paper: OfficePaper, letter: Letter) -> None:
    paper.set_text_color(180, 0, 0)
    paper.set_draw_color(180, 0, 0)
    paper.set_font("Helvetica", "B", 14)
    paper.cell(0, 9, "DITOLAK - SURAT INI TIDAK BERLAKU", border=1, align="C")
    paper.ln(10)
    who = letter.rejected_by.name if letter.rejected_by else ""
    when = _when(letter.rejected_at)
    paper.paragraph(f"Ditolak oleh Sekretaris {who}, {when}. Alasan: {letter.reason or '-'}")
    paper.set_text_color(0, 0, 0)
    paper.set_draw_color(0, 0, 0)
    paper.ln(2)


def _signatures(paper: OfficePaper, letter: Letter, place: str) -> None:
    if paper.get_y() + 45 > paper.page_break_trigger:
        paper.add_page()
    paper.ln(4)
    paper.set_font("Helvetica", "", 9)
    top = paper.get_y()
    paper.set_xy(paper.l_margin, top)
    drafted = (
        "Dikonsep oleh:",
        "Kasubbag Umum",
        letter.drafted_by.name,
        f"Paraf elektronik, {_when(letter.drafted_at)}",
    )
    for line in drafted:
        paper.cell(80, 5, _latin1(line), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    paper.set_y(top)
    if letter.status is LetterStatus.SIGNED and letter.signed_by is not None:
        note = f"Ditandatangani secara elektronik, {_when(letter.signed_at)}"
        name = letter.signed_by.name
    elif letter.status is LetterStatus.REJECTED:
        note, name = "DITOLAK - TIDAK DITANDATANGANI", "(...............................)"
    else:
        note, name = "BELUM DITANDATANGANI", "(...............................)"
    dated = letter.signed_at if letter.signed_at else letter.drafted_at
    paper.signature_block(f"{place}, {tanggal(dated)}".strip(", "), "Sekretaris", name, note)


def _latin1(text: str) -> str:
    # The core PDF fonts carry Latin-1; anything beyond it is shown as '?', never dropped.
    return text.encode("latin-1", "replace").decode("latin-1")


def _when(moment: datetime | None) -> str:
    return tanggal_jam(moment) if moment else "-"
