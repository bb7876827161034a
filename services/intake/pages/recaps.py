"""The recap lists per document type (`/rekapan`), compiling one, and its printed PDF."""

import uuid
from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.intake import commands, queries
from services.intake.pages.common import (
    TYPE_CODES,
    FrontOffice,
    labels,
    missing,
    moment,
    pages,
    refusal,
)
from services.intake.papers import printed_recap
from shared.errors import Conflict, NotFound
from shared.http.deps import ContextDep, SessionDep
from shared.identity import Officer
from shared.log import ConcurrencyConflict
from shared.vocabulary import (
    DocumentType,
)
from shared.web.deps import flash, remember_position
from shared.web.pages import fingerprint, render


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
        return await missing(request, "Daftar rekapan tidak ditemukan di kantor Anda.")
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
        return await missing(request, "Daftar rekapan tidak ditemukan di kantor Anda.")
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="rekapan-{recap_id}.pdf"'},
    )
