"""The reporting pages: the auditor's audit chain and sign-ins, and the control cards and
reports the Kasubbag Umum and the Sekretaris read. Each page calls the same query functions
as the JSON routes (`services.reporting.http`), so the two can never disagree."""

from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from services.reporting import queries
from services.reporting.http import POSITION, SigningDep, period_from
from services.reporting.last_verification import LastVerification, verify_for
from services.reporting.papers import delivery_report_csv, delivery_report_pdf_for
from shared.errors import NotFound, Unprocessable
from shared.http.deps import ContextDep, SessionDep
from shared.http.pagination import DEFAULT_LIMIT, decode_cursor, encode_cursor
from shared.identity import Officer
from shared.officers.sign_ins import SecurityRecord
from shared.vocabulary import Role
from shared.web.charts import BarChart, bar_chart
from shared.web.deps import flash, page_for, page_router
from shared.web.pages import render
from shared.web.wording import document_name
from shared.webhooks.endpoints import as_time
from shared.webhooks.office import OfficeWebhooks

pages = page_router()

Reader = Annotated[Officer, Depends(page_for(Role.AUDITOR, Role.KASUBBAG_UMUM, Role.SEKRETARIS))]
Auditor = Annotated[Officer, Depends(page_for(Role.AUDITOR))]
Period = Annotated[str | None, Query(alias="from")]
DELIVERY_SERIES = ("Terkirim", "Dalam proses", "Dikembalikan, belum diterima", "Diterima kembali")


def delivery_chart(report: queries.DeliveryReportPublic) -> BarChart:
    """Each document type's files by where they are now, stacked: a file received back
    was returned first, so it is counted once, as received back."""
    rows = [
        (
            document_name(name),
            (
                counts.delivered,
                counts.in_progress,
                counts.returned - counts.received_back,
                counts.received_back,
            ),
        )
        for name, counts in report.by_document_type.items()
    ]
    return bar_chart("Berkas per jenis dokumen menurut keadaannya", DELIVERY_SERIES, rows)


def delay_chart(report: queries.DelayReportPublic) -> BarChart:
    """Each SOP step's median time in minutes, beside its standard."""
    rows = [
        (f"Langkah {figures.sop_step}", ((figures.median_seconds or 0) / 60,))
        for figures in report.by_step
    ]
    return bar_chart("Median waktu per langkah SOP (menit)", ("Median (menit)",), rows)


@pages.get("/")
async def landing(
    request: Request, officer: Reader, session: SessionDep, context: ContextDep
) -> HTMLResponse:
    """The auditor lands on the audit chain's state; the others on the reports."""
    if officer.role is not Role.AUDITOR:
        return await render(request, "reports.html")
    last = await LastVerification(context.redis, context.keys_for(officer.office)).recall()
    checkpoint = await queries.last_checkpoint(session, officer.office)
    return await render(request, "audit.html", {"last": last, "checkpoint": checkpoint})


@pages.post("/audit/periksa")
async def run_verification(
    request: Request, officer: Auditor, context: ContextDep, signing: SigningDep
) -> Response:
    """Verify the log against the archive now, as `jasa audit verify` does."""
    result = await verify_for(context, signing, officer)
    if result.ok:
        await flash(request, f"Log utuh: {result.events_checked} peristiwa diperiksa.")
    else:
        await flash(request, f"Log TIDAK utuh pada posisi {result.first_bad_position}.")
    return RedirectResponse("/", status_code=303)


@pages.get("/kartu")
async def find_card(request: Request, officer: Reader, dossier_id: str = "") -> Response:
    """Open a dossier's control card by its id."""
    if not dossier_id:
        return await render(request, "card_lookup.html", {"dossier_id": "", "error": None})
    try:
        found = UUID(dossier_id.strip())
    except ValueError:
        error = "Nomor berkas tidak dikenali: salin nomor berkas (UUID) dari tanda terima."
        values = {"dossier_id": dossier_id, "error": error}
        return await render(request, "card_lookup.html", values, status_code=422)
    return RedirectResponse(f"/kartu/{found}", status_code=303)


@pages.get("/kartu/{dossier_id}")
async def control_card(
    request: Request, dossier_id: UUID, officer: Reader, session: SessionDep, context: ContextDep
) -> HTMLResponse:
    """A dossier's control card: each step's officer, time in WIB, and how late it was."""
    try:
        card = await queries.control_card_for(
            session,
            officer.office,
            str(dossier_id),
            context.settings.standards(),
            reveal_nik=officer.role == Role.AUDITOR,
        )
    except NotFound:
        error = "Berkas ini tidak ada di kantor Anda."
        values = {"dossier_id": str(dossier_id), "error": error}
        return await render(request, "card_lookup.html", values, status_code=404)
    return await render(request, "card.html", {"card": card})


async def _delivery_report(
    session: SessionDep, officer: Officer, start: str | None, to: str | None
) -> queries.DeliveryReportPublic:
    return await queries.delivery_report(session, officer.office, period_from(start, to))


@pages.get("/laporan/pengiriman")
async def deliveries(
    request: Request,
    officer: Reader,
    session: SessionDep,
    start: Period = None,
    to: str | None = None,
) -> HTMLResponse:
    """Laporan pengiriman: files registered in the period, by type and outcome, charted."""
    values: dict[str, Any] = {"start": start or "", "to": to or "", "error": None}
    try:
        report = await _delivery_report(session, officer, start, to)
    except Unprocessable as problem:
        values["error"] = "Tanggal tidak dikenali: tulis seperti 2026-12-06."
        values["field"] = (problem.errors or [{}])[0].get("field")
        return await render(request, "deliveries.html", values, status_code=422)
    values |= {"report": report, "chart": delivery_chart(report)}
    query = request.url.query
    values["downloads"] = {kind: f"/laporan/pengiriman.{kind}?{query}" for kind in ("csv", "pdf")}
    return await render(request, "deliveries.html", values)


@pages.get("/laporan/pengiriman.csv")
async def deliveries_csv(
    officer: Reader, session: SessionDep, start: Period = None, to: str | None = None
) -> Response:
    """The delivery report as CSV, as `GET /reports/deliveries?format=csv` gives it."""
    report = await _delivery_report(session, officer, start, to)
    return Response(
        delivery_report_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="laporan-pengiriman.csv"'},
    )


@pages.get("/laporan/pengiriman.pdf")
async def deliveries_pdf(
    officer: Reader,
    session: SessionDep,
    context: ContextDep,
    start: Period = None,
    to: str | None = None,
) -> Response:
    """The delivery report as PDF, as `GET /reports/deliveries?format=pdf` gives it."""
    report = await _delivery_report(session, officer, start, to)
    return Response(
        await delivery_report_pdf_for(
            session, context.settings.letterhead(officer.office), officer, report
        ),
        media_type="application/pdf",
        headers={"Content-Disposition": 'attachment; filename="laporan-pengiriman.pdf"'},
    )


@pages.get("/laporan/keterlambatan")
async def delays(
    request: Request,
    officer: Reader,
    session: SessionDep,
    context: ContextDep,
    start: Period = None,
    to: str | None = None,
) -> HTMLResponse:
    """Where files waited and with whom: per SOP step and officer, charted per step."""
    values: dict[str, Any] = {"start": start or "", "to": to or "", "error": None}
    try:
        period = period_from(start, to)
    except Unprocessable:
        values["error"] = "Tanggal tidak dikenali: tulis seperti 2026-12-06."
        return await render(request, "delays.html", values, status_code=422)
    report = await queries.delay_report(
        session, officer.office, period, context.settings.standards()
    )
    values |= {"report": report, "chart": delay_chart(report)}
    return await render(request, "delays.html", values)


@pages.get("/laporan/belum-terkirim")
async def undelivered(
    request: Request, officer: Reader, session: SessionDep, cursor: str | None = None
) -> HTMLResponse:
    """The documents returned by the courier: why, and whether the office has them back."""
    after = decode_cursor(cursor)
    items, last = await queries.undelivered_documents(
        session,
        officer.office,
        int(after) if after and after.isdigit() else None,
        DEFAULT_LIMIT,
        reveal_nik=officer.role == Role.AUDITOR,
    )
    following = encode_cursor(str(last)) if last is not None else None
    return await render(request, "undelivered.html", {"items": items, "next": following})


@pages.get("/audit/masuk")
async def sign_ins(
    request: Request, officer: Auditor, context: ContextDep, before: str | None = None
) -> HTMLResponse:
    """The office's sign-ins, failures, lockouts and sessions ended, newest first."""
    if before is not None and not POSITION.match(before):
        before = None
    record = SecurityRecord(context.redis, context.keys_for(officer.office))
    items, last = await queries.sign_ins(record, before, DEFAULT_LIMIT)
    return await render(request, "sign_ins.html", {"items": items, "next": last})


Overseer = Annotated[Officer, Depends(page_for(Role.AUDITOR, Role.KASUBBAG_UMUM))]


@pages.get("/webhook")
async def webhooks(request: Request, officer: Overseer, context: ContextDep) -> HTMLResponse:
    """How the courier's webhooks fare: endpoints (the disabled ones, when and why), the
    office's notices, and the messages that used all their attempts (`jasa webhooks
    replay` sends them again)."""
    office = OfficeWebhooks.of(context.redis, context.keys_for(officer.office), context.master_key)
    endpoints = await office.endpoints.all()
    failed = await office.outbox.failed_messages(limit=DEFAULT_LIMIT)
    notices = await office.notices.latest(limit=20)
    values = {
        "endpoints": [(e, as_time(e.disabled_ms), as_time(e.failing_since_ms)) for e in endpoints],
        "failed": [(m, as_time(m.created_ms), as_time(m.failed_ms)) for m in failed],
        "notices": [(n, as_time(n.at_ms)) for n in notices],
    }
    return await render(request, "webhooks.html", values)
