"""HTTP routes of the reporting service: control cards, reports and the audit trail; and
the citizen's public tracking page (`/lacak`), the one route here without a token."""

import functools
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import quote
from uuid import UUID

import jinja2
from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from services.reporting import queries
from services.reporting.domain import Period, parse_moment
from services.reporting.last_verification import verify_for
from services.reporting.papers import delivery_report_csv, delivery_report_pdf_for
from services.reporting.queries import (
    ArchivedEventPublic,
    ControlCardPublic,
    DelayReportPublic,
    DeliveryReportPublic,
    SignInPublic,
    UndeliveredDocumentPublic,
    VerificationPublic,
)
from services.reporting.sealing import Signing
from services.reporting.tracking import (
    TooManyLookups,
    TrackingPublic,
    count_lookup,
    tracking_of,
)
from shared.errors import NotFound, Unprocessable
from shared.http.deps import ContextDep, SessionDep, requires
from shared.http.openapi import also_answers
from shared.http.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, cursor_number, encode_cursor
from shared.http.positions import READS_AFTER
from shared.http.problems import problem_response
from shared.http.responses import json_response
from shared.identity import Officer
from shared.officers.sign_ins import SecurityRecord
from shared.tracking import normalised_tracking_code
from shared.vocabulary import Role, document_type_name
from shared.wib import tanggal

Reader = Annotated[Officer, Depends(requires(Role.AUDITOR, Role.KASUBBAG_UMUM, Role.SEKRETARIS))]
Auditor = Annotated[Officer, Depends(requires(Role.AUDITOR))]
From = Annotated[str | None, Query(alias="from", description="date or date-time (WIB)")]
To = Annotated[str | None, Query(description="date (inclusive) or date-time (WIB)")]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
POSITION = re.compile(r"^\d{1,20}-\d{1,20}$")

cards = APIRouter(tags=["control cards"], dependencies=[READS_AFTER])
reports = APIRouter(prefix="/reports", tags=["reports"], dependencies=[READS_AFTER])
audit = APIRouter(prefix="/audit", tags=["audit"], dependencies=[READS_AFTER])


public = APIRouter(tags=["public"])  # no sign-in, so no office to read after


@functools.cache
def _pages() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")),
        autoescape=True,
    )


@public.get(
    "/verifikasi/surat/{letter_id}",
    response_model=queries.LetterVerificationPublic,
    responses={
        200: {"content": {"text/html": {}}},
        404: {"description": "No such letter", "content": {"text/html": {}}},
    },
)
async def verify_letter(
    letter_id: UUID, request: Request, session: SessionDep, context: ContextDep
) -> Response:
    """Check a printed cover letter against the log (no sign-in; nothing of a citizen)."""
    found = await queries.letter_verification(session, str(letter_id))
    # A browser (a phone's camera app) asks for text/html; any other client gets JSON.
    if "text/html" not in request.headers.get("accept", ""):
        if found is None:
            raise NotFound(f"there is no letter {letter_id}")
        return Response(found.model_dump_json(), media_type="application/json")
    letter = None
    if found is not None:
        verdict = {
            "SIGNED": "Surat ini sah: tercatat dan sudah ditandatangani",
            "REJECTED": "Surat ini TIDAK BERLAKU: ditolak dan tidak ditandatangani",
        }.get(found.status, "Surat ini BELUM BERLAKU: belum ditandatangani")
        letter = {
            **found.model_dump(),
            "verdict": verdict,
            "signed_on": tanggal(datetime.fromisoformat(found.signed_on))
            if found.signed_on
            else None,
            "document_type_name": document_type_name(found.document_type),
            "office_name": ", ".join(
                part
                for part in (
                    context.settings.letterhead(found.office).agency,
                    context.settings.letterhead(found.office).government,
                )
                if part
            ),
        }
    page = _pages().get_template("verifikasi_surat.html")
    html = page.render(title="Verifikasi Surat Pengantar", letter=letter)
    return Response(html, status_code=200 if found else 404, media_type="text/html")


async def get_signing(request: Request) -> Signing:
    signing: Signing = request.app.state.signing  # set by the composition root
    return signing


SigningDep = Annotated[Signing, Depends(get_signing)]


def period_from(start: str | None, end: str | None) -> Period:
    moments = {}
    for name, text in (("from", start), ("to", end)):
        if text:
            try:
                moments[name] = parse_moment(text, end_of_day=name == "to")
            except ValueError as error:
                raise Unprocessable.field(name, "not a date (2026-11-24) or date-time") from error
    try:
        return Period(moments.get("from"), moments.get("to"))
    except ValueError as error:
        raise Unprocessable.field("to", str(error)) from error


@cards.get("/control-cards/{dossier_id}", response_model=ControlCardPublic)
async def control_card(
    dossier_id: UUID, officer: Reader, session: SessionDep, context: ContextDep
) -> ControlCardPublic:
    """The control card (kartu kendali) of one file: every step, who, when, how long."""
    return await queries.control_card_for(
        session,
        officer.office,
        str(dossier_id),
        context.settings.standards(),
        reveal_nik=officer.role == Role.AUDITOR,
    )


@reports.get(
    "/deliveries",
    response_model=DeliveryReportPublic,
    response_model_by_alias=True,
    responses={200: {"content": {"text/csv": {}, "application/pdf": {}}}},
)
async def deliveries(
    officer: Reader,
    session: SessionDep,
    context: ContextDep,
    start: From = None,
    to: To = None,
    format: Literal["json", "csv", "pdf"] = "json",
) -> DeliveryReportPublic | Response:
    """Laporan pengiriman dokumen: files registered in the period, by type and outcome."""
    office = officer.office
    report = await queries.delivery_report(session, office, period_from(start, to))
    if format == "csv":
        return Response(delivery_report_csv(report), media_type="text/csv; charset=utf-8")
    if format == "pdf":
        return Response(
            await delivery_report_pdf_for(
                session, context.settings.letterhead(office), officer, report
            ),
            media_type="application/pdf",
            headers={"Content-Disposition": 'inline; filename="laporan-pengiriman.pdf"'},
        )
    return report


@reports.get("/undelivered", response_model=Page[UndeliveredDocumentPublic])
async def undelivered(
    officer: Reader, session: SessionDep, cursor: str | None = None, limit: Limit = DEFAULT_LIMIT
) -> Page[UndeliveredDocumentPublic]:
    """Daftar dokumen yang belum diserahkan: returned files, why, and if received back."""
    items, last = await queries.undelivered_documents(
        session,
        officer.office,
        cursor_number(cursor),
        limit,
        reveal_nik=officer.role == Role.AUDITOR,
    )
    return Page(items=items, next=encode_cursor(str(last)) if last is not None else None)


@reports.get("/delays", response_model=DelayReportPublic, response_model_by_alias=True)
async def delays(
    officer: Reader, session: SessionDep, context: ContextDep, start: From = None, to: To = None
) -> DelayReportPublic:
    """Where files waited and with whom: per SOP step and officer, median, p90 and late."""
    return await queries.delay_report(
        session, officer.office, period_from(start, to), context.settings.standards()
    )


@audit.get("/events", response_model=Page[ArchivedEventPublic], responses=also_answers(404))
async def audit_events(
    officer: Auditor, session: SessionDep, after: str | None = None, limit: Limit = DEFAULT_LIMIT
) -> Page[ArchivedEventPublic]:
    """The archive in log order: each event with its position and chain hash."""
    if after is not None and not POSITION.match(after):
        raise Unprocessable.field("after", "a log position such as 1764000000000-0")
    items, last = await queries.archived_events(session, officer.office, after, limit)
    return Page(items=items, next=last)


@audit.get("/sign-ins", response_model=Page[SignInPublic])
async def audit_sign_ins(
    officer: Auditor, context: ContextDep, before: str | None = None, limit: Limit = DEFAULT_LIMIT
) -> Page[SignInPublic]:
    """The office's sign-ins, failures, lockouts and sessions ended, newest first."""
    if before is not None and not POSITION.match(before):
        raise Unprocessable.field("before", "a position such as 1764000000000-0")
    record = SecurityRecord(context.redis, context.keys_for(officer.office))
    items, last = await queries.sign_ins(record, before, limit)
    return Page(items=items, next=last)


@audit.get("/verify", response_model=VerificationPublic)
async def audit_verify(
    officer: Auditor, context: ContextDep, signing: SigningDep
) -> VerificationPublic:
    """Check the live log against the archive and its signed checkpoints."""
    return await verify_for(context, signing, officer)


citizens = APIRouter(tags=["citizens"])
TRACKING_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/html": {}}},
    404: {"description": "no dossier has this tracking code (or its data was erased)"},
    **also_answers(429),
}


@functools.cache
def _templates() -> Environment:
    folder = Path(__file__).with_name("templates")
    return Environment(loader=FileSystemLoader(folder), autoescape=select_autoescape())


def _page(status: int, title: str, **values: Any) -> HTMLResponse:
    html = _templates().get_template("lacak.html").render(title=title, **values)
    return HTMLResponse(html, status_code=status)


def _wants_json(request: Request) -> bool:
    """A browser asks for HTML; any other client (an app, curl, a gateway) gets JSON."""
    return "text/html" not in request.headers.get("accept", "")


@citizens.get("/lacak", response_class=HTMLResponse, include_in_schema=False)
async def tracking_form(kode: str | None = None) -> Response:
    """The tracking page's form: a code typed in goes to its page."""
    if kode:
        code = normalised_tracking_code(kode) or quote(kode.strip()[:40], safe="")
        return RedirectResponse(f"/lacak/{code}", status_code=303)
    return _page(200, "Lacak Dokumen", message="Masukkan kode lacak dari tanda terima Anda.")


@citizens.get("/lacak/{tracking_code}", response_model=TrackingPublic, responses=TRACKING_ANSWERS)
async def tracking_page(
    tracking_code: str, request: Request, context: ContextDep, session: SessionDep
) -> Response:
    """A document's journey for the citizen, no sign-in: HTML, or JSON to `Accept:
    application/json`. Never a name, NIK, address, phone or officer."""
    as_json = _wants_json(request)
    client = request.client.host if request.client else "unknown"
    try:
        await count_lookup(context.redis, context.keys, client, datetime.now(UTC))
        tracking = await tracking_of(session, context.offices, tracking_code, context.settings)
    except TooManyLookups as error:
        retry = {"Retry-After": str(error.retry_after_s)}
        if as_json:
            return problem_response(429, error.detail, headers=retry)
        page = _page(
            429,
            "Terlalu banyak permintaan",
            message=f"Terlalu banyak pencarian dari alamat ini. Coba lagi dalam "
            f"{error.retry_after_s} detik.",
        )
        page.headers.update(retry)
        return page
    except NotFound:
        if as_json:
            raise
        return _page(
            404,
            "Kode lacak tidak ditemukan",
            message="Kode lacak ini tidak dikenal. Periksa kembali kode pada tanda terima Anda.",
        )
    if as_json:
        return json_response(tracking)
    return _page(200, tracking.document_name, tracking=tracking)


ROUTERS = [cards, reports, audit, citizens, public]
