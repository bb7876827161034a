"""The Surat Pengantar as the office prints it and hands it to the courier: letterhead,
Nomor / Lampiran / Perihal, the third party it is addressed to, the recap list, and who
drafted and who signed it. No NIK is printed."""

import asyncio
import functools
import re
from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import phonenumbers
from fastapi import Response
from sqlmodel.ext.asyncio.session import AsyncSession

from services.approval import queries
from services.approval.commands import load_letter
from services.approval.config import Context
from services.approval.domain import Letter, LetterStatus
from services.approval.projections import ApprovalDossier
from shared.letterhead import Letterhead
from shared.masking import mask_document_number
from shared.pdf import Column, OfficePaper, Signatory
from shared.vocabulary import ROLE_TITLES, Role, document_type_name
from shared.wib import tanggal, tanggal_jam, to_wib

SUBJECT = "Pengantar Pengiriman Dokumen Kependudukan"
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
                document_type_name(dossier.document_type),
                mask_document_number(dossier.document_number),
            )
        )
    return rows


async def printed_letter(
    context: Context, session: AsyncSession, office: str, letter_id: UUID
) -> Response:
    """The Surat Pengantar of one of the office's letters, as the API and the pages serve
    it; NotFound for a letter of another office."""
    log = context.log_for(office)
    letter, _version = await load_letter(log, letter_id)
    rejection = None
    if letter.fixes is not None:
        rejected, _ = await load_letter(log, letter.fixes.rejected_letter_id)
        rejection = rejected.reason
    details = await queries.recap_details(session, office, letter.recap_id)
    document_type = details.recap.document_type if details else ""
    documents = details.documents if details else []
    number = await queries.recap_number_of(session, details.recap) if details else None
    settings = context.settings
    paper = functools.partial(
        surat_pengantar,
        letter,
        settings.letterhead(office),
        document_type,
        documents,
        verify_url=f"{settings.public_reporting_url()}/verifikasi/surat/{letter.letter_id}",
        recap_number=number,
        rejection=rejection,
    )
    pdf = await asyncio.to_thread(paper)
    filename = re.sub(r"[^A-Za-z0-9]+", "-", letter.letter_number).strip("-")
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="surat-pengantar-{filename}.pdf"'},
    )


def surat_pengantar(
    letter: Letter,
    letterhead: Letterhead,
    document_type: str,
    documents: Sequence[tuple[UUID, ApprovalDossier | None]],
    *,
    verify_url: str,
    recap_number: str | None = None,
    rejection: str | None = None,
) -> bytes:
    """The cover letter of one recap as a PDF: dated once (the day it was signed, else
    drafted), signed for the head of the office, with a QR code of `verify_url` where anyone
    holding it checks it against the log. A redraft names the rejection (`rejection`) of
    its predecessor and what it fixed."""
    paper = OfficePaper(letterhead, f"Surat Pengantar {letter.letter_number}")
    if letter.status is LetterStatus.REJECTED:
        _rejected_banner(paper, letter)
    if letter.fixes is not None:
        _fix_note(paper, letter, rejection)
    dated = letter.signed_at or letter.drafted_at
    paper.set_font("Helvetica", "", 10)
    paper.cell(0, 5, f"{letterhead.place}, {tanggal(dated)}".strip(", "), align="R")
    paper.ln(8)
    kind = document_type_name(document_type)
    recap = f"daftar rekapan {recap_number}" if recap_number else "daftar rekapan"
    paper.fields(
        [
            ("Nomor", letter.letter_number),
            ("Sifat", "Biasa"),
            ("Lampiran", f"1 (satu) berkas {recap} ({len(documents)} dokumen)"),
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
    _signatures(paper, letter, letterhead, verify_url)
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


def _signatures(
    paper: OfficePaper, letter: Letter, letterhead: Letterhead, verify_url: str
) -> None:
    """The drafter's initials and the QR code at the left, the Sekretaris's signature for
    the head of the office at the right."""
    if paper.get_y() + 75 > paper.page_break_trigger:
        paper.add_page()
    paper.ln(4)
    top = paper.get_y()
    drafted = Signatory.of(
        letter.drafted_by,
        "Dikonsep oleh,",
        ROLE_TITLES[Role.KASUBBAG_UMUM],
        note=f"Paraf elektronik pukul {_clock(letter.drafted_at)}",
    )
    paper.signature_block(drafted, x=paper.l_margin, width=70)
    below_drafter = paper.get_y()
    paper.set_y(top)
    on_behalf = (f"a.n. {letterhead.head}",) if letterhead.head else ()
    if letter.status is LetterStatus.SIGNED and letter.signed_by is not None:
        note = f"Ditandatangani secara elektronik pukul {_clock(letter.signed_at)}"
        signer = letter.signed_by
    elif letter.status is LetterStatus.REJECTED:
        note, signer = "DITOLAK - TIDAK DITANDATANGANI", None
    else:
        note, signer = "BELUM DITANDATANGANI", None
    paper.signature_block(
        Signatory.of(signer, *on_behalf, f"{ROLE_TITLES[Role.SEKRETARIS]},", note=note)
    )
    paper.set_y(max(below_drafter, paper.get_y()) + 3)
    if paper.get_y() + 36 > paper.page_break_trigger:
        paper.add_page()
    paper.qr_code(
        verify_url,
        x=paper.l_margin + 6,
        y=paper.get_y(),
        size=26,
        caption="Pindai untuk memeriksa surat ini",
    )


def _clock(moment: datetime | None) -> str:
    """`09.15 WIB`: the time of an electronic initial; the date is the letter's."""
    return f"{to_wib(moment):%H.%M} WIB" if moment else "-"


def _when(moment: datetime | None) -> str:
    return tanggal_jam(moment) if moment else "-"
