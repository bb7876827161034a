"""The courier's queues: the ready handovers to accept (`/`) and the round of accepted ones
(`/antaran`); and a signed letter's manifest, where its handover is accepted."""

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel.ext.asyncio.session import AsyncSession

from services.courier import commands, queries
from services.courier.pages.common import Courier, CourierOrKasubbag, not_here, pages
from services.courier.queries import HandoverStatus
from shared.errors import Conflict, NotFound
from shared.http.deps import ContextDep, SessionDep
from shared.http.pagination import MAX_LIMIT
from shared.identity import Officer
from shared.vocabulary import Role
from shared.web.deps import after_form
from shared.web.forms import path_id
from shared.web.pages import page_status, polled_part, queue_values, render


@pages.get("/")
async def landing(request: Request, officer: CourierOrKasubbag, session: SessionDep) -> Response:
    """The courier's ready handovers; the Kasubbag Umum goes on to the returns."""
    if officer.role is Role.KASUBBAG_UMUM:
        return RedirectResponse("/kembali", status_code=303)
    return await render(request, "serah_terima.html", await _ready(session, officer))


@pages.get("/bagian/serah-terima")
async def ready_part(
    request: Request, officer: Courier, session: SessionDep, sidik: str = ""
) -> Response:
    """The ready handovers alone, for their poll."""
    return await polled_part(request, "_serah_terima.html", await _ready(session, officer), sidik)


@pages.get("/antaran")
async def round_page(request: Request, officer: Courier, session: SessionDep) -> HTMLResponse:
    """The accepted handovers with documents still to deliver or return."""
    return await render(request, "antaran.html", await _round(session, officer))


@pages.get("/bagian/antaran")
async def round_part(
    request: Request, officer: Courier, session: SessionDep, sidik: str = ""
) -> Response:
    """The round alone, for its poll."""
    return await polled_part(request, "_antaran.html", await _round(session, officer), sidik)


async def _ready(session: AsyncSession, officer: Officer) -> dict[str, Any]:
    page = await queries.handovers(session, officer.office, HandoverStatus.READY, None, MAX_LIMIT)
    return queue_values("handovers", page)


async def _round(session: AsyncSession, officer: Officer) -> dict[str, Any]:
    page = await queries.handovers_on_round(session, officer.office, None, MAX_LIMIT)
    return queue_values("handovers", page)


# --- a handover, accepted -------------------------------------------------------------


@pages.get("/serah-terima/{letter_id}")
async def handover_page(
    request: Request, letter_id: str, officer: Courier, session: SessionDep
) -> HTMLResponse:
    """A signed letter's manifest: the documents it carries, to accept or to deliver."""
    return await _handover_page(request, letter_id, officer, session)


@pages.post("/serah-terima/{letter_id}/terima")
async def accept(
    request: Request, letter_id: str, officer: Courier, context: ContextDep, session: SessionDep
) -> Response:
    """Take the signed list, the letter and its documents over."""
    try:
        found = path_id(letter_id)
        accepted = await commands.accept_handover(context, officer, found)
    except NotFound:
        return await not_here(request)
    except Conflict:
        if (await commands.handover_of(context, officer.office, found)).accepted:
            # A second tap, or another courier's: the handover is taken either way.
            done = "Serah terima surat pengantar ini sudah diterima."
            return await after_form(request, f"/serah-terima/{found}", done)
        error = "Daftar dokumen surat ini belum lengkap di sini. Tunggu sebentar, lalu coba lagi."
        return await _handover_page(request, letter_id, officer, session, error=error)
    handover = await queries.handover_of(session, officer.office, found)
    done = (
        f"Serah terima surat pengantar {handover.letter_number} diterima: "
        f"{len(accepted.result.dossier_ids)} dokumen siap diantar."
    )
    return await after_form(request, "/antaran", done, accepted.position)


async def _handover_page(
    request: Request, letter_id: str, officer: Officer, session: AsyncSession, error: str = ""
) -> HTMLResponse:
    try:
        handover = await queries.handover_of(session, officer.office, path_id(letter_id))
    except NotFound:
        return await not_here(request)
    values = {"handover": handover, "error": error}
    return await render(request, "manifes.html", values, status_code=page_status(error))
