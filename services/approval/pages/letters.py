"""A letter's page and its printed PDF, and the Sekretaris's decision on it: sign, or reject
with a reason."""

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import TypeAdapter, ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession

from services.approval import commands, queries
from services.approval.domain import Letter, LetterStatus
from services.approval.pages.common import PAGE_VALUES, Reader, Sekretaris, no_letter, pages
from services.approval.papers import printed_letter
from services.approval.queries import LetterPublic, RecapPublic, RecapStatus
from shared.errors import Conflict, NotFound
from shared.http.deps import ContextDep, SessionDep
from shared.identity import Officer
from shared.validation import NOTE_MAX, Reason
from shared.vocabulary import Role
from shared.web.deps import after_form
from shared.web.forms import one_line, path_id
from shared.web.pages import page_status, render
from shared.wib import tanggal_jam

REASON = TypeAdapter(Reason)
REASON_ERRORS = {
    "empty": "Tuliskan alasan penolakan: alasan wajib diisi.",
    "too_long": f"Alasan penolakan paling panjang {NOTE_MAX} karakter.",
    "control_character": "Alasan penolakan tidak boleh berisi tab atau karakter kendali lain.",
}


@pages.get("/surat/{letter_id}")
async def letter_page(
    request: Request, letter_id: str, officer: Reader, context: ContextDep, session: SessionDep
) -> HTMLResponse:
    """One letter: its status, its documents, and what may be done with it."""
    return await _letter_page(request, letter_id, officer, context, session)


@pages.get("/surat/{letter_id}/pdf", response_class=Response)
async def letter_pdf(
    request: Request, letter_id: str, officer: Reader, context: ContextDep, session: SessionDep
) -> Response:
    """The printable Surat Pengantar, the same paper as the API's."""
    try:
        return await printed_letter(context, session, officer.office, path_id(letter_id))
    except NotFound:
        return await no_letter(request)


@pages.post("/surat/{letter_id}/tanda-tangan")
async def sign(
    request: Request, letter_id: str, officer: Sekretaris, context: ContextDep, session: SessionDep
) -> Response:
    """Sign a letter awaiting signature."""
    try:
        found = path_id(letter_id)
        signed = await commands.sign(context, officer, found)
    except NotFound:
        return await no_letter(request)
    except Conflict:
        letter, _ = await commands.load_letter(context.log_for(officer.office), found)
        if letter.signed_by and letter.signed_by.officer_id == officer.officer_id:
            done = f"Surat pengantar {letter.letter_number} sudah Anda tandatangani."
            return await after_form(request, "/", done)
        error = refusal(letter, officer, "menandatangani")
        return await _letter_page(request, letter_id, officer, context, session, error=error)
    done = (
        f"Surat pengantar {signed.result.letter_number} ditandatangani; dokumennya siap "
        "diserahkan kepada pihak ketiga."
    )
    return await after_form(request, "/", done, signed.position)


@pages.post("/surat/{letter_id}/tolak")
async def reject(
    request: Request,
    letter_id: str,
    officer: Sekretaris,
    context: ContextDep,
    session: SessionDep,
    reason: Annotated[str, Form()] = "",
) -> Response:
    """Reject a letter awaiting signature, with a reason (required)."""
    try:
        found = path_id(letter_id)
    except NotFound:
        return await no_letter(request)
    try:
        why = REASON.validate_python(one_line(reason))
    except ValidationError as invalid:
        kind = invalid.errors()[0]["type"]
        problem = REASON_ERRORS.get(kind, "Alasan penolakan tidak dapat diterima.")
        return await _letter_page(
            request, letter_id, officer, context, session, reason=reason, reason_error=problem
        )
    try:
        rejected = await commands.reject(context, officer, found, why)
    except NotFound:
        return await no_letter(request)
    except Conflict:
        letter, _ = await commands.load_letter(context.log_for(officer.office), found)
        error = refusal(letter, officer, "menolak")
        return await _letter_page(
            request, letter_id, officer, context, session, error=error, reason=reason
        )
    done = (
        f"Surat pengantar {rejected.result.letter_number} ditolak dengan alasan: {why}. "
        "Kasubbag Umum dapat membuat surat baru untuk rekapannya."
    )
    return await after_form(request, "/", done, rejected.position)


def refusal(letter: Letter, officer: Officer, verb: str) -> str:
    """Why the Sekretaris may not sign or reject this letter, in Indonesian (the 409's
    reason, from the letter as the log now has it)."""
    number = letter.letter_number
    if letter.status is LetterStatus.SIGNED and letter.signed_by and letter.signed_at:
        return (
            f"Surat {number} sudah ditandatangani oleh {letter.signed_by.name} "
            f"pada {tanggal_jam(letter.signed_at)}."
        )
    if letter.status is LetterStatus.REJECTED and letter.rejected_by:
        return (
            f"Surat {number} sudah ditolak oleh {letter.rejected_by.name} dengan alasan: "
            f"{letter.reason}. Kasubbag Umum membuat surat baru untuk rekapannya."
        )
    if letter.drafted_by.officer_id == officer.officer_id:
        return (
            f"Anda sendiri yang membuat surat {number}. Petugas yang membuat surat pengantar "
            f"tidak boleh {verb}nya (pemisahan tugas); Sekretaris lain yang memutuskannya."
        )
    return f"Surat {number} baru saja diubah petugas lain. Muat ulang halaman, lalu coba lagi."


async def _letter_page(
    request: Request,
    letter_id: str,
    officer: Officer,
    context: ContextDep,
    session: AsyncSession,
    *,
    error: str = "",
    reason: str = "",
    reason_error: str = "",
) -> HTMLResponse:
    try:
        log = context.log_for(officer.office)
        letter, _ = await commands.load_letter(log, path_id(letter_id))
    except NotFound:
        return await no_letter(request)
    details = await queries.recap_details(session, officer.office, letter.recap_id)
    recap = RecapPublic.of(details) if details else None
    awaiting = letter.status is LetterStatus.AWAITING_SIGNATURE
    values = {
        **PAGE_VALUES,
        "letter": LetterPublic.of(letter),
        "recap": recap,
        "can_decide": awaiting and officer.role is Role.SEKRETARIS,
        "can_redraft": officer.role is Role.KASUBBAG_UMUM
        and recap is not None
        and recap.status is RecapStatus.AWAITING_LETTER,
        "error": error,
        "reason": reason,
        "reason_error": reason_error,
    }
    status = page_status(error, reason_error)
    return await render(request, "surat.html", values, status_code=status)
