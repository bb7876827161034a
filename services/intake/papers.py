"""The printable Daftar Rekapan: the list of documents of one type that go to the third
party, as the FO hands it to the Kasubbag Umum. No NIK is printed."""

import asyncio
import uuid

from services.intake import queries
from services.intake.config import Context
from services.intake.projections import IntakeDossier, IntakeRecap
from shared.masking import mask_document_number
from shared.pdf import Column, OfficePaper
from shared.wib import as_utc, tanggal, tanggal_jam

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


def recap_pdf(office: str, recap: IntakeRecap, dossiers: list[IntakeDossier]) -> bytes:
    compiled_at = as_utc(recap.compiled_at)
    paper = OfficePaper(office, f"DAFTAR REKAPAN PENGIRIMAN DOKUMEN {recap.document_type}")
    paper.heading(f"DAFTAR REKAPAN PENGIRIMAN DOKUMEN {recap.document_type}")
    paper.ln(2)
    paper.fields(
        [
            ("Nomor rekapan", str(recap.recap_id)),
            ("Tanggal", tanggal_jam(compiled_at)),
            ("Jenis dokumen", recap.document_type),
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
                dossier.document_type,
                mask_document_number(dossier.document_number),
            )
            for n, dossier in enumerate(dossiers, start=1)
        ],
    )
    paper.ln(4)
    paper.signature_block(
        f"Pekanbaru, {tanggal(compiled_at)}" if office == "1471" else tanggal(compiled_at),
        "Dibuat oleh, Petugas FO",
        recap.compiled_by_name,
        note=f"dibuat {tanggal_jam(compiled_at)}",
    )
    return paper.render()


async def printed_recap(context: Context, office: str, recap_id: uuid.UUID) -> bytes:
    """The Daftar Rekapan of one recap of the office, as a PDF (NotFound if it has none).
    The API's route and the FO's page both print it here."""
    async with context.sessions() as session:
        recap, rows = await queries.recap_with_dossiers(session, office, recap_id)
    return await asyncio.to_thread(recap_pdf, office, recap, rows)
