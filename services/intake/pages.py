"""The FO desk's pages: the registration form (`/`, the FO's landing page), the dossiers
with filters (`/berkas`), a dossier with its control card, flag and resolve
(`/berkas/{id}`), and the recap lists (`/rekapan`) with their printed PDF. Each handler
calls the same command and query functions as the JSON routes of `http.py`."""

import uuid
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from services.intake import commands, queries
from services.intake.domain import Registration
from services.intake.http import SORT_KEY, FlagRequest, RegistrationRequest, ResolveRequest
from services.intake.papers import printed_recap
from shared.errors import Conflict, NotFound, Problem, ReadModelBehind, Unprocessable
from shared.http.deps import ContextDep, SessionDep
from shared.http.pagination import DEFAULT_LIMIT, Page, decode_cursor
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
from shared.web.deps import flash, page_for, page_router, remember_position
from shared.web.forms import FORM_KEY_FIELD, field_errors, form_key, submitted_once
from shared.web.navigation import ROLE_LABELS
from shared.web.pages import fingerprint, render
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


# --- registration --------------------------------------------------------------------------


async def _registration(
    request: Request,
    template: str,
    *,
    typed: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    problem: str | None = None,
    registered: queries.DossierPublic | None = None,
    status_code: int = 200,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    values = {
        **labels(),
        "typed": typed or {},
        "errors": errors or {},
        "problem": problem,
        "registered": registered,
        "form_key": form_key(),
        "swapped": template == "_registration.html",  # htmx swaps it; its alert goes out of band
        "errors_note": "Pendaftaran belum tersimpan. Periksa isian yang ditandai.",
        "moment": moment,
        **(extra or {}),
    }
    return await render(request, template, values, status_code=status_code, headers=headers)


@pages.get("/")
async def landing(
    request: Request,
    officer: FrontOffice,
    session: SessionDep,
    context: ContextDep,
    terdaftar: str = "",
) -> HTMLResponse:
    """The FO desk: the registration form, and today's dossiers (and, after a registration
    sent without htmx, the dossier it registered)."""
    registered = None
    try:
        registered = await queries.dossier(session, officer.office, uuid.UUID(terdaftar))
    except (ValueError, NotFound):  # none asked for, or not one of this office's
        registered = None
    listing = await _listing(session, context, officer, DossierFilter(waktu=TODAY), limit=10)
    return await _registration(
        request, "register.html", registered=registered, extra={"listing": listing}
    )


@pages.post("/")
async def register(
    request: Request,
    officer: FrontOffice,
    context: ContextDep,
    nik: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    address: Annotated[str, Form()] = "",
    phone: Annotated[str, Form()] = "",
    document_type: Annotated[str, Form()] = "",
    document_number: Annotated[str, Form()] = "",
    form_key: Annotated[str, Form()] = "",
) -> Response:
    """Register a document from the form; the same form sent twice registers it once."""
    values = (nik, name, address, phone, document_type, document_number)
    typed = dict(zip(FIELDS, values, strict=True))
    template = "_registration.html" if is_htmx(request) else "register.html"
    failed = 200 if is_htmx(request) else 422  # htmx swaps a 2xx answer only
    try:
        body = RegistrationRequest.model_validate(typed)
    except ValidationError as error:
        return await _registration(
            request,
            template,
            typed=typed,
            errors=field_errors(error, LABELS),
            status_code=failed,
            extra=await _landing_listing(context, officer, template),
        )

    async def run() -> dict[str, str]:
        events = await commands.register_document(
            context, officer, Registration(**body.model_dump())
        )
        position = events[-1].position or ""
        dossier_id = queries.dossier_from_events(events).dossier_id
        return {"dossier_id": str(dossier_id), "position": position}

    try:
        outcome = await submitted_once(request, form_key, run)
    except Unprocessable as error:
        field = (error.errors or [{}])[0].get("field", "")
        return await _registration(
            request,
            template,
            typed=typed,
            errors={field: REGISTRY.get(field, "Periksa isian ini.")},
            status_code=failed,
            extra=await _landing_listing(context, officer, template),
        )
    except (Conflict, ConcurrencyConflict) as error:
        return await _registration(
            request,
            template,
            typed=typed,
            problem=refusal(error),
            status_code=200 if is_htmx(request) else 409,
            extra=await _landing_listing(context, officer, template),
        )
    await remember_position(request, outcome["position"])
    dossier_id = uuid.UUID(outcome["dossier_id"])
    if not is_htmx(request):
        await flash(request, "Berkas terdaftar.")
        return RedirectResponse(f"/?terdaftar={dossier_id}", status_code=303)
    registered = await _registered(context, officer, dossier_id, outcome["position"])
    return await _registration(
        request,
        template,
        registered=registered,
        extra={"registered_id": dossier_id},
        headers={"HX-Trigger": REFRESHED},
    )


async def _registered(
    context: ContextDep, officer: Officer, dossier_id: uuid.UUID, position: str
) -> queries.DossierPublic | None:
    """The dossier just registered, as the read model shows it once it applied it."""
    try:
        await context.read_model_reached(officer.office, position)
    except ReadModelBehind:
        return None
    async with context.sessions() as session:
        return await queries.dossier(session, officer.office, dossier_id)


async def _landing_listing(context: ContextDep, officer: Officer, template: str) -> dict[str, Any]:
    """Today's dossiers under a form shown again in full (not when htmx swaps the form)."""
    if template != "register.html":
        return {}
    async with context.sessions() as session:
        listing = await _listing(session, context, officer, DossierFilter(waktu=TODAY), limit=10)
    return {"listing": listing}


# --- the dossiers ---------------------------------------------------------------------------


class DossierFilter:
    """The list's filters, from a bookmarkable query string: empty means any."""

    def __init__(
        self,
        status: str = "",
        document_type: str = "",
        waktu: str = "",
        cursor: str = "",
        cari: str = "",
    ) -> None:
        self.status = status if status in STATUS_CODES else ""
        self.document_type = document_type if document_type in TYPE_CODES else ""
        self.cari = cari.strip()
        # A search looks back over every day unless the day is chosen too.
        self.waktu = waktu if waktu in (TODAY, ALL) else (ALL if self.cari else TODAY)
        after = decode_cursor(cursor) if cursor else None
        self.after = after if after and SORT_KEY.fullmatch(after) else None
        self.cursor = cursor if self.after else ""

    def query(self, **changes: str) -> str:
        values = {
            "status": self.status,
            "document_type": self.document_type,
            "waktu": self.waktu,
            "cursor": self.cursor,
            "cari": self.cari,
            **changes,
        }
        return urlencode({k: v for k, v in values.items() if v})


def dossier_filter(
    status: str = "", document_type: str = "", waktu: str = "", cursor: str = "", cari: str = ""
) -> DossierFilter:
    try:
        return DossierFilter(status, document_type, waktu, cursor, cari)
    except Unprocessable:  # a cursor this service never gave out: the first page
        return DossierFilter(status, document_type, waktu, cari=cari)


Filter = Annotated[DossierFilter, Depends(dossier_filter)]


async def _listing(
    session: SessionDep,
    context: ContextDep,
    officer: Officer,
    chosen: DossierFilter,
    limit: int = DEFAULT_LIMIT,
) -> dict[str, Any]:
    start_of_day = datetime.now(WIB).replace(hour=0, minute=0, second=0, microsecond=0)
    try:
        # By a NIK, a document number or words of a name, through the blind index.
        search = queries.search_terms(context.blind_index, officer.office, q=chosen.cari or None)
    except Unprocessable:
        search_error = "Cari dengan NIK (16 angka), nomor dokumen atau kata dari nama."
        empty: Page[queries.DossierPublic] = Page(items=[], next=None)
        version = fingerprint("galat", chosen.cari)
        return {"page": empty, "chosen": chosen, "version": version, "limit": limit,
                "search_error": search_error}  # fmt: skip
    page = await queries.dossiers_page(
        session,
        office=officer.office,
        status=DossierStatus(chosen.status) if chosen.status else None,
        document_type=chosen.document_type or None,
        after=chosen.after,
        limit=limit,
        since=queries.registered_since(start_of_day) if chosen.waktu == TODAY else None,
        search=search,
    )
    # What the table shows of each row, not the whole answer: the same digest, nothing to swap.
    version = fingerprint(
        *(
            f"{d.dossier_id}|{d.name}|{d.document_type}|{d.document_number}|{d.status}|"
            f"{d.flag_reason}|{d.registered_at}"
            for d in page.items
        ),
        page.next or "",
    )
    return {"page": page, "chosen": chosen, "version": version, "limit": limit,
            "search_error": None}  # fmt: skip


@pages.get("/berkas")
async def dossiers(
    request: Request,
    officer: FrontOffice,
    session: SessionDep,
    context: ContextDep,
    chosen: Filter,
) -> HTMLResponse:
    """The office's dossiers, filtered by status, document type and day, or found by a NIK,
    a document number or a name."""
    listing = await _listing(session, context, officer, chosen)
    return await render(request, "dossiers.html", {**labels(), "listing": listing})


@pages.get("/berkas/bagian")
async def dossiers_part(
    request: Request,
    officer: FrontOffice,
    session: SessionDep,
    context: ContextDep,
    chosen: Filter,
    versi: str = "",
    batas: Annotated[int, Query(ge=1, le=DEFAULT_LIMIT)] = DEFAULT_LIMIT,
) -> Response:
    """The list alone, for htmx to refresh; 204 (nothing to swap) when nothing changed, so
    a keyboard user's place in the list is not lost every few seconds."""
    listing = await _listing(session, context, officer, chosen, limit=batas)
    if versi and versi == listing["version"]:
        return Response(status_code=204)
    return await render(request, "_dossier_table.html", {**labels(), "listing": listing})


@pages.get("/berkas/{dossier_id}")
async def dossier_page(
    request: Request, dossier_id: uuid.UUID, officer: FrontOffice, session: SessionDep
) -> HTMLResponse:
    """One dossier: its details as the FO may see them, its control card, flag and resolve."""
    return await _dossier_page(request, session, officer, dossier_id)


async def _dossier_page(
    request: Request,
    session: SessionDep,
    officer: Officer,
    dossier_id: uuid.UUID,
    *,
    typed: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    problem: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    try:
        dossier = await queries.dossier(session, officer.office, dossier_id)
    except NotFound:
        return await _missing(request, "Berkas tidak ditemukan di kantor Anda.")
    steps = await queries.dossier_steps(session, officer.office, dossier_id)
    values = {
        **labels(),
        "dossier": dossier,
        "card": steps,
        "moment": moment,
        "typed": typed or {},
        "errors": errors or {},
        "problem": problem,
        "can_flag": dossier.status is DossierStatus.REGISTERED,
    }
    return await render(request, "dossier.html", values, status_code=status_code)


async def _missing(request: Request, message: str) -> HTMLResponse:
    return await render(request, "missing.html", {"message": message}, status_code=404)


async def _dossier_command(
    request: Request,
    officer: Officer,
    context: ContextDep,
    dossier_id: uuid.UUID,
    typed: dict[str, str],
    model: type[FlagRequest] | type[ResolveRequest],
    done: str,
) -> Response:
    """Flag or resolve from the dossier's page: errors inline on it, else back to it."""

    async def again(status: int, **shown: Any) -> HTMLResponse:
        async with context.sessions() as session:
            return await _dossier_page(
                request, session, officer, dossier_id, typed=typed, status_code=status, **shown
            )

    try:
        body = model.model_validate(typed)
    except ValidationError as error:
        return await again(422, errors=field_errors(error, LABELS))
    try:
        if isinstance(body, FlagRequest):
            event = await commands.flag_dossier(
                context, officer, dossier_id, body.reason, body.note
            )
        else:
            event = await commands.resolve_flag(context, officer, dossier_id, body.note)
    except NotFound:
        return await _missing(request, "Berkas tidak ditemukan di kantor Anda.")
    except (Conflict, ConcurrencyConflict) as error:
        return await again(409, problem=refusal(error))
    await remember_position(request, event.position or "")
    await flash(request, done)
    return RedirectResponse(f"/berkas/{dossier_id}", status_code=303)


@pages.post("/berkas/{dossier_id}/tahan")
async def flag(
    request: Request,
    dossier_id: uuid.UUID,
    officer: FrontOffice,
    context: ContextDep,
    reason: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    """Hold a dossier back until the responsible division has put it right."""
    typed = {"reason": reason, "note": note}
    return await _dossier_command(
        request, officer, context, dossier_id, typed, FlagRequest, "Berkas ditahan."
    )


@pages.post("/berkas/{dossier_id}/lepas")
async def resolve(
    request: Request,
    dossier_id: uuid.UUID,
    officer: FrontOffice,
    context: ContextDep,
    note: Annotated[str, Form()] = "",
) -> Response:
    """Release a flagged dossier: it may go into the next recap list."""
    return await _dossier_command(
        request,
        officer,
        context,
        dossier_id,
        {"note": note},
        ResolveRequest,
        "Tanda tahan diselesaikan; berkas menunggu daftar rekapan.",
    )


# --- recap lists ----------------------------------------------------------------------------


async def _recaps_values(session: SessionDep, officer: Officer) -> dict[str, Any]:
    waiting = await queries.waiting_counts(session, officer.office)
    latest = await queries.recent_recaps(session, officer.office, 20)
    return {
        **labels(),
        "waiting": waiting,
        "recaps": latest,
        "moment": moment,
        "version": fingerprint(
            *(f"{kind.value}={n}" for kind, n in waiting.items()),
            *(recap.model_dump_json() for recap in latest),
        ),
    }


@pages.get("/rekapan")
async def recaps(request: Request, officer: FrontOffice, session: SessionDep) -> HTMLResponse:
    """Compile a recap list per document type, and the latest recap lists."""
    return await render(request, "recaps.html", await _recaps_values(session, officer))


@pages.get("/rekapan/bagian")
async def recaps_part(
    request: Request, officer: FrontOffice, session: SessionDep, versi: str = ""
) -> Response:
    """The waiting counts and the latest recap lists, for htmx to refresh (204: unchanged)."""
    values = await _recaps_values(session, officer)
    if versi and versi == values["version"]:
        return Response(status_code=204)
    return await render(request, "_recap_queue.html", values)


@pages.post("/rekapan")
async def compile_recap(
    request: Request,
    officer: FrontOffice,
    context: ContextDep,
    document_type: Annotated[str, Form()] = "",
) -> Response:
    """Put every waiting dossier of one type in a new recap list."""
    problem, status = None, 409
    if document_type not in TYPE_CODES:
        problem, status = "Pilih jenis dokumen yang akan direkap.", 422
    else:
        try:
            event = await commands.compile_recap(context, officer, DocumentType(document_type))
        except (Conflict, ConcurrencyConflict) as error:
            problem = refusal(error)
        else:
            await remember_position(request, event.position or "")
            await flash(request, "Daftar rekapan dibuat.")
            recap_id = queries.recap_from_event(event).recap_id
            return RedirectResponse(f"/rekapan/{recap_id}", status_code=303)
    async with context.sessions() as session:
        values = await _recaps_values(session, officer)
    return await render(request, "recaps.html", {**values, "problem": problem}, status_code=status)


@pages.get("/rekapan/{recap_id}")
async def recap_page(
    request: Request, recap_id: uuid.UUID, officer: FrontOffice, session: SessionDep
) -> HTMLResponse:
    """One recap list: its documents, who compiled it when, and its printable PDF."""
    try:
        recap, rows = await queries.recap_with_dossiers(session, officer.office, recap_id)
    except NotFound:
        return await _missing(request, "Daftar rekapan tidak ditemukan di kantor Anda.")
    values = {
        **labels(),
        "recap": queries.recap_from_row(recap),
        "dossiers": [queries.dossier_from_row(row) for row in rows],
        "moment": moment,
    }
    return await render(request, "recap.html", values)


@pages.get("/rekapan/{recap_id}/pdf", response_class=Response)
async def recap_pdf_page(
    request: Request, recap_id: uuid.UUID, officer: FrontOffice, context: ContextDep
) -> Response:
    """The printable Daftar Rekapan, the same PDF as the API's `/recaps/{id}/pdf`."""
    try:
        content, _number = await printed_recap(context, officer.office, recap_id)
    except NotFound:
        return await _missing(request, "Daftar rekapan tidak ditemukan di kantor Anda.")
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="rekapan-{recap_id}.pdf"'},
    )
