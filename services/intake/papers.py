"""The FO desk's papers: the Daftar Rekapan, the list of documents of one type that go to
the third party, as the FO hands it to the Kasubbag Umum; and the applicant's Tanda Terima
with the tracking code. No NIK is printed; the date once."""

import asyncio
import io
import uuid

import segno

from services.intake import queries
from services.intake.config import Context
from services.intake.projections import IntakeDossier, IntakeRecap
from shared.events import Actor
from shared.letterhead import Letterhead
from shared.masking import mask_document_number
from shared.pdf import Column, OfficePaper, Signatory
from shared.tracking import shown_tracking_code
from shared.vocabulary import ROLE_TITLES, Role, document_type_name
from shared.wib import as_utc, tanggal_jam

COLUMNS = [
    Column("No", 9, "C"),
    Column("Nama", 36),
    Column("Alamat", 52),
    Column("No. HP", 27),
    Column("Jenis dokumen", 27),
    Column("No. dokumen", 39),
]


def national_phone(e164: str) -> str:
    """`+6281234567890` as an Indonesian reads it: `081234567890`."""
    return "0" + e164[3:] if e164.startswith("+62") else e164


def recap_pdf(
    letterhead: Letterhead, recap: IntakeRecap, dossiers: list[IntakeDossier], number: str | None
) -> bytes:
    compiled_at = as_utc(recap.compiled_at)
    kind = document_type_name(recap.document_type)
    title = f"DAFTAR REKAPAN PENGIRIMAN DOKUMEN {kind.upper()}"
    paper = OfficePaper(letterhead, title)
    paper.heading(title)
    paper.ln(2)
    paper.fields(
        [
            ("Nomor rekapan", number or str(recap.recap_id)),
            ("Tanggal", tanggal_jam(compiled_at)),
            ("Jenis dokumen", kind),
            ("Jumlah dokumen", str(len(dossiers))),
        ]
    )
    paper.ln(3)
    paper.grid(
        COLUMNS,
        [
            (
                n,
                dossier.name,
                dossier.address,
                national_phone(dossier.phone),
                document_type_name(dossier.document_type),
                mask_document_number(dossier.document_number),
            )
            for n, dossier in enumerate(dossiers, start=1)
        ],
    )
    paper.ln(4)
    compiler = Actor(officer_id=recap.compiled_by_id, name=recap.compiled_by_name, role=Role.FO)
    paper.signature_block(
        Signatory.of(compiler, "Dibuat oleh,", ROLE_TITLES[Role.FO], note="Paraf elektronik")
    )
    return paper.render()


def receipt_pdf(letterhead: Letterhead, dossier: IntakeDossier, tracking_link: str) -> bytes:
    """The Tanda Terima the FO hands the applicant: what was registered, and the tracking code
    with a QR code of its page. It names the applicant (it is theirs) but never the NIK."""
    registered_at = as_utc(dossier.registered_at)
    code = dossier.tracking_code or ""
    paper = OfficePaper(letterhead, "TANDA TERIMA PENGANTARAN DOKUMEN")
    paper.heading("TANDA TERIMA")
    paper.paragraph("Permohonan pengantaran dokumen kependudukan ke alamat pemohon (JASA DUKCAPIL)")
    paper.ln(2)
    paper.fields(
        [
            ("Nomor berkas", str(dossier.dossier_id)),
            ("Tanggal", tanggal_jam(registered_at)),
            ("Nama pemohon", dossier.name),
            ("Jenis dokumen", document_type_name(dossier.document_type)),
            ("Nomor dokumen", mask_document_number(dossier.document_number)),
            ("Kode lacak", shown_tracking_code(code)),
        ]
    )
    paper.ln(3)
    qr = io.BytesIO()
    segno.make(tracking_link, error="m").save(qr, kind="png", scale=8, border=2)
    top = paper.get_y()
    paper.image(qr, x=paper.l_margin, y=top, w=45, h=45)
    paper.set_xy(paper.l_margin + 50, top)
    paper.paragraph(
        "Pantau dokumen Anda tanpa masuk akun: pindai kode QR ini atau buka "
        f"{tracking_link} . Kode lacak dan kode terima yang dikirim lewat SMS/WhatsApp "
        "hanya untuk Anda; jangan berikan kepada orang lain selain kurir saat dokumen "
        "diserahkan."
    )
    paper.set_y(max(paper.get_y(), top + 48))
    officer = Actor(
        officer_id=dossier.registered_by_id, name=dossier.registered_by_name, role=Role.FO
    )
    paper.signature_block(
        Signatory.of(officer, "Petugas,", ROLE_TITLES[Role.FO], note="Paraf elektronik")
    )
    return paper.render()


async def printed_recap(
    context: Context, office: str, recap_id: uuid.UUID
) -> tuple[bytes, str | None]:
    """The Daftar Rekapan of one recap of the office, as a PDF, and the recap's number
    (NotFound if it has none). The API's route and the FO's page both print it here."""
    async with context.sessions() as session:
        recap, rows = await queries.recap_with_dossiers(session, office, recap_id)
        number = await queries.recap_number_of(session, recap)
    letterhead = context.settings.letterhead(office)
    return await asyncio.to_thread(recap_pdf, letterhead, recap, rows, number), number
