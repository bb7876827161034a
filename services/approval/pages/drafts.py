"""The Kasubbag Umum drafts a recap's cover letter (again, after a rejection)."""

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel.ext.asyncio.session import AsyncSession

from services.approval import commands, queries
from services.approval.domain import LetterStatus
from services.approval.pages.common import STATUS_LABELS, Kasubbag, pages
from services.approval.pages.queues import recaps_to_draft
from shared.errors import Conflict, NotFound
from shared.http.deps import ContextDep, SessionDep
from shared.identity import Officer
from shared.web.deps import after_form
from shared.web.forms import path_id
from shared.web.pages import render
from shared.web.wording import document_name


@pages.post("/surat")
async def draft(
    request: Request,
    officer: Kasubbag,
    context: ContextDep,
    session: SessionDep,
    recap_id: Annotated[str, Form()] = "",
) -> Response:
    """Draft the cover letter of a recap (again, after a rejection); its number is shown."""
    try:
        recap = path_id(recap_id)
        drafted = await commands.draft_letter_for_recap(context, officer, recap)
    except NotFound:
        return await _draft_refused(
            request,
            session,
            officer,
            "Rekapan itu tidak ada (atau belum sampai) di kantor Anda.",
            404,
        )
    except Conflict:
        letters = await commands.letters_of_recap(context, officer, recap)
        live = next((letter for letter in letters if letter.live), None)
        if (
            live
            and live.status is LetterStatus.AWAITING_SIGNATURE
            and live.drafted_by.officer_id == officer.officer_id
        ):
            # The same officer's second click: the letter they drafted is the answer.
            done = f"Surat pengantar {live.letter_number} untuk rekapan ini sudah Anda buat."
            return await after_form(request, "/", done)
        why = (
            f"Rekapan ini sudah punya surat pengantar {live.letter_number} "
            f"({STATUS_LABELS[live.status].lower()}); surat baru hanya dapat dibuat bila "
            "surat itu ditolak."
            if live
            else "Rekapan ini baru saja berubah. Muat ulang halaman, lalu coba lagi."
        )
        return await _draft_refused(request, session, officer, why, 409)
    details = await queries.recap_details(session, officer.office, recap)
    what = ""
    if details is not None:
        kind = document_name(details.recap.document_type)
        what = f" untuk rekapan {kind} ({len(details.documents)} dokumen)"
    done = (
        f"Surat pengantar nomor {drafted.result.letter_number} dibuat{what} dan menunggu "
        "tanda tangan Sekretaris."
    )
    return await after_form(request, "/", done, drafted.position)


async def _draft_refused(
    request: Request, session: AsyncSession, officer: Officer, error: str, status: int
) -> HTMLResponse:
    values = await recaps_to_draft(session, officer)
    return await render(request, "rekapan.html", {**values, "error": error}, status_code=status)
