"""The delivery report on paper (Laporan Pengiriman Dokumen, PDF) and as CSV."""

import asyncio
import csv
import io
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from services.reporting.queries import (
    CountsPublic,
    DeliveryReportPublic,
    UndeliveredDocumentPublic,
    undelivered_documents,
)
from shared.events import Actor
from shared.http.pagination import MAX_LIMIT
from shared.identity import Officer
from shared.letterhead import Letterhead
from shared.pdf import Column, OfficePaper, Signatory
from shared.vocabulary import ROLE_TITLES, document_type_name
from shared.web.wording import return_reason
from shared.wib import tanggal, tanggal_jam

COUNT_COLUMNS = (
    "registered",
    "in_progress",
    "delivered",
    "returned",
    "received_back",
    "failed_attempts",
)


def delivery_report_csv(report: DeliveryReportPublic) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["document_type", *COUNT_COLUMNS])
    rows: list[tuple[str, CountsPublic]] = [
        *report.by_document_type.items(),
        ("TOTAL", report.totals),
    ]
    for name, counts in rows:
        writer.writerow([name, *(getattr(counts, column) for column in COUNT_COLUMNS)])
    return out.getvalue()


def _period_text(report: DeliveryReportPublic) -> str:
    start, end = report.period.start, report.period.end
    if not start and not end:
        return "Seluruh periode"

    first = tanggal(datetime.fromisoformat(start)) if start else "..."
    # The period ends before `end`; the last day in it is the one just before.
    last = tanggal(datetime.fromisoformat(end) - timedelta(microseconds=1)) if end else "..."
    return f"{first} s.d. {last}"


def delivery_report_pdf(
    letterhead: Letterhead,
    report: DeliveryReportPublic,
    undelivered: Sequence[UndeliveredDocumentPublic],
    printed_at: datetime,
    signer: Actor,
) -> bytes:
    """Laporan Pengiriman Dokumen: counts by document type, then what is not yet delivered;
    dated once (when printed), signed by whoever printed it."""
    paper = OfficePaper(letterhead, "Laporan Pengiriman Dokumen")
    paper.heading("LAPORAN PENGIRIMAN DOKUMEN KEPENDUDUKAN")
    paper.fields(
        [
            ("Periode pendaftaran", _period_text(report)),
            ("Dicetak", f"{letterhead.place}, {tanggal_jam(printed_at)}".strip(", ")),
        ]
    )
    paper.ln(3)
    columns = [
        Column("Jenis Dokumen", 42),
        Column("Terdaftar", 22, "R"),
        Column("Dalam Proses", 24, "R"),
        Column("Terkirim", 20, "R"),
        Column("Dikembalikan", 24, "R"),
        Column("Diterima Kembali", 28, "R"),
        Column("Gagal Antar", 22, "R"),
    ]
    rows: list[list[object]] = [
        [document_type_name(name), *(getattr(counts, c) for c in COUNT_COLUMNS)]
        for name, counts in report.by_document_type.items()
    ]
    rows.append(["Jumlah", *(getattr(report.totals, c) for c in COUNT_COLUMNS)])
    paper.grid(columns, rows)
    paper.heading("Daftar Dokumen yang Belum Diserahkan")
    if undelivered:
        paper.grid(
            [
                Column("No", 9, "R"),
                Column("Nama", 36),
                Column("Dokumen", 36),
                Column("Alasan", 34),
                Column("Keterangan", 43),
                Column("Diterima Kembali", 32),
            ],
            [
                [
                    n,
                    item.name,
                    f"{document_type_name(item.document_type)} {item.document_number}",
                    return_reason(item.reason),
                    item.note,
                    tanggal(datetime.fromisoformat(item.received_back_at))
                    if item.received_back_at
                    else "Belum",
                ]
                for n, item in enumerate(undelivered, start=1)
            ],
        )
    else:
        paper.paragraph("Tidak ada dokumen yang dikembalikan.")
    paper.signature_block(Signatory.of(signer, "Yang membuat laporan,", ROLE_TITLES[signer.role]))
    return paper.render()


async def delivery_report_pdf_for(
    session: AsyncSession, letterhead: Letterhead, officer: Officer, report: DeliveryReportPublic
) -> bytes:
    """The delivery report's PDF as an officer prints it, from the API or a page alike."""
    items, _ = await undelivered_documents(
        session, officer.office, None, MAX_LIMIT, reveal_nik=False
    )
    return await asyncio.to_thread(
        delivery_report_pdf, letterhead, report, items, datetime.now(UTC), officer.actor()
    )
