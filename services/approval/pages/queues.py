"""Each desk's queue, polled for changes: the Kasubbag Umum's recaps awaiting a letter, the
Sekretaris's letters awaiting signature; and the list of letters by status (`/surat`).

The queues poll their own part of the page (`/bagian/...`, every 5 s) so that a letter
drafted at one desk appears at the other without a reload. A poll carries the fingerprint
of what it shows; when nothing changed it is answered 204 and htmx swaps nothing, so the
part is not replaced under the officer's hands."""

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel.ext.asyncio.session import AsyncSession

from services.approval import queries
from services.approval.domain import LetterStatus
from services.approval.http import SORT_KEY
from services.approval.pages.common import (
    PAGE_VALUES,
    Approver,
    Kasubbag,
    Reader,
    Sekretaris,
    pages,
)
from services.approval.queries import RecapStatus
from shared.errors import Unprocessable
from shared.http.deps import SessionDep
from shared.http.pagination import MAX_LIMIT, cursor_value
from shared.identity import Officer
from shared.vocabulary import Role
from shared.web.pages import fingerprint, polled_part, queue_values, render

LIST_TITLES = {
    None: "Daftar surat pengantar",
    LetterStatus.AWAITING_SIGNATURE: "Surat menunggu tanda tangan",
    LetterStatus.SIGNED: "Surat ditandatangani",
    LetterStatus.REJECTED: "Surat ditolak",
}


@pages.get("/")
async def landing(request: Request, officer: Approver, session: SessionDep) -> HTMLResponse:
    """The officer's queue: recaps to draft a letter for, or letters to sign."""
    if officer.role is Role.SEKRETARIS:
        return await render(request, "tanda_tangan.html", await _letters_to_sign(session, officer))
    return await render(request, "rekapan.html", await recaps_to_draft(session, officer))


@pages.get("/bagian/rekapan")
async def recaps_part(
    request: Request, officer: Kasubbag, session: SessionDep, sidik: str = ""
) -> Response:
    """The Kasubbag's queue alone, for its poll."""
    return await polled_part(
        request, "_rekapan.html", await recaps_to_draft(session, officer), sidik
    )


@pages.get("/bagian/surat-menunggu")
async def letters_to_sign_part(
    request: Request, officer: Sekretaris, session: SessionDep, sidik: str = ""
) -> Response:
    """The Sekretaris's queue alone, for its poll."""
    values = await _letters_to_sign(session, officer)
    return await polled_part(request, "_surat_menunggu.html", values, sidik)


@pages.get("/surat")
async def letters(
    request: Request, officer: Reader, session: SessionDep, status: str = "", cursor: str = ""
) -> HTMLResponse:
    """Letters in register order, by status."""
    return await render(
        request, "daftar_surat.html", await _letters(session, officer, status, cursor)
    )


@pages.get("/bagian/surat")
async def letters_part(
    request: Request,
    officer: Reader,
    session: SessionDep,
    status: str = "",
    cursor: str = "",
    sidik: str = "",
) -> Response:
    """The list of letters alone, for its poll."""
    values = await _letters(session, officer, status, cursor)
    return await polled_part(request, "_daftar_surat.html", values, sidik)


async def recaps_to_draft(session: AsyncSession, officer: Officer) -> dict[str, Any]:
    page = await queries.recaps_page(
        session, officer.office, RecapStatus.AWAITING_LETTER, None, MAX_LIMIT
    )
    ids = [recap.recap_id for recap in page.items]
    rejections = await queries.last_rejections(session, officer.office, ids)
    rejected = [rejections[i].model_dump_json() for i in ids if i in rejections]
    return {
        **PAGE_VALUES,
        "recaps": page.items,
        "more": page.next is not None,
        "rejections": rejections,
        "sidik": fingerprint(page.model_dump_json(), *rejected),
    }


async def _letters_to_sign(session: AsyncSession, officer: Officer) -> dict[str, Any]:
    page = await queries.letters_with_documents(
        session, officer.office, LetterStatus.AWAITING_SIGNATURE, None, MAX_LIMIT
    )
    return {**PAGE_VALUES, **queue_values("letters", page)}


async def _letters(
    session: AsyncSession, officer: Officer, status: str, cursor: str
) -> dict[str, Any]:
    # A status or cursor this page did not give out shows the list from its start.
    shown = next((s for s in LetterStatus if s.value == status), None)
    after = _sort_key(cursor)
    page = await queries.letters_with_documents(session, officer.office, shown, after, 25)
    return {
        **PAGE_VALUES,
        "status": shown.value if shown else "",
        "title": LIST_TITLES[shown],
        "filters": [(s.value if s else "", LIST_TITLES[s]) for s in LIST_TITLES],
        "letters": page.items,
        "cursor": cursor if after else "",
        "next": page.next,
        "sidik": fingerprint(page.model_dump_json()),
    }


def _sort_key(cursor: str) -> str | None:
    try:
        return cursor_value(cursor or None, SORT_KEY)
    except Unprocessable:
        return None
