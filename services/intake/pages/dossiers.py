"""The dossiers with filters and search (`/berkas`), and a dossier with its control card,
flag and resolve (`/berkas/{id}`)."""

import uuid
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from services.intake import commands, queries
from services.intake.http import SORT_KEY, FlagRequest, ResolveRequest
from services.intake.pages.common import (
    ALL,
    LABELS,
    STATUS_CODES,
    TODAY,
    TYPE_CODES,
    FrontOffice,
    labels,
    missing,
    moment,
    pages,
    refusal,
)
from services.intake.search import search_terms
from shared.errors import Conflict, NotFound, Unprocessable
from shared.http.deps import ContextDep, SessionDep
from shared.http.pagination import DEFAULT_LIMIT, decode_cursor
from shared.identity import Officer
from shared.log import ConcurrencyConflict
from shared.vocabulary import (
    DossierStatus,
)
from shared.web.deps import flash, remember_position
from shared.web.forms import field_errors
from shared.web.pages import fingerprint, render
from shared.wib import WIB


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


async def dossier_listing(
    session: SessionDep,
    context: ContextDep,
    officer: Officer,
    chosen: DossierFilter,
    limit: int = DEFAULT_LIMIT,
) -> dict[str, Any]:
    start_of_day = datetime.now(WIB).replace(hour=0, minute=0, second=0, microsecond=0)
    try:
        # By a NIK, a document number or words of a name, through the blind index.
        search = search_terms(context.blind_index, officer.office, q=chosen.cari or None)
    except Unprocessable:
        search_error = "Cari dengan NIK (16 angka), nomor dokumen atau kata dari nama."
        empty = queries.DossierLines(items=[], next=None)
        version = fingerprint("galat", chosen.cari)
        return {"page": empty, "chosen": chosen, "version": version, "limit": limit,
                "search_error": search_error}  # fmt: skip
    wanted = queries.DossierQuery(
        office=officer.office,
        status=DossierStatus(chosen.status) if chosen.status else None,
        document_type=chosen.document_type or None,
        after=chosen.after,
        limit=limit,
        since=queries.registered_since(start_of_day) if chosen.waktu == TODAY else None,
        search=search,
    )
    page = await queries.dossier_lines(session, wanted)
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
    listing = await dossier_listing(session, context, officer, chosen)
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
    listing = await dossier_listing(session, context, officer, chosen, limit=batas)
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
        return await missing(request, "Berkas tidak ditemukan di kantor Anda.")
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
        return await missing(request, "Berkas tidak ditemukan di kantor Anda.")
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
