"""The approval unit's pages. The Kasubbag Umum's `/`: the recaps awaiting a letter, to draft
one; the Sekretaris's `/`: the letters awaiting signature with their documents, to sign. Both:
`/surat` (letters by status), a letter's page (where the Sekretaris rejects with a reason, and
the Kasubbag drafts again after a rejection) and its printed PDF.

The queues poll their own part of the page (`/bagian/...`, every 5 s) so that a letter
drafted at one desk appears at the other without a reload. A poll carries the fingerprint
of what it shows; when nothing changed it is answered 204 and htmx swaps nothing, so the
part is not replaced under the officer's hands."""

from typing import Annotated, Any

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import TypeAdapter, ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession

from services.approval import commands, queries
from services.approval.domain import Letter, LetterStatus
from services.approval.http import SORT_KEY
from services.approval.papers import printed_letter
from services.approval.queries import LetterPublic, RecapPublic, RecapStatus
from shared.errors import Conflict, NotFound, Unprocessable
from shared.http.deps import ContextDep, SessionDep
from shared.http.pagination import MAX_LIMIT, cursor_value
from shared.identity import Officer
from shared.validation import NOTE_MAX, Reason
from shared.vocabulary import Role
from shared.web.deps import after_form, page_for, page_router
from shared.web.forms import one_line, path_id
from shared.web.pages import fingerprint, page_status, polled_part, queue_values, render
from shared.web.wording import document_name
from shared.wib import tanggal_jam

pages = page_router()

Kasubbag = Annotated[Officer, Depends(page_for(Role.KASUBBAG_UMUM))]
Sekretaris = Annotated[Officer, Depends(page_for(Role.SEKRETARIS))]
Approver = Annotated[Officer, Depends(page_for(Role.KASUBBAG_UMUM, Role.SEKRETARIS))]
Reader = Annotated[Officer, Depends(page_for(Role.KASUBBAG_UMUM, Role.SEKRETARIS, Role.AUDITOR))]

STATUS_LABELS = {
    LetterStatus.AWAITING_SIGNATURE: "Menunggu tanda tangan",
    LetterStatus.SIGNED: "Ditandatangani",
    LetterStatus.REJECTED: "Ditolak",
}
LIST_TITLES = {
    None: "Daftar surat pengantar",
    LetterStatus.AWAITING_SIGNATURE: "Surat menunggu tanda tangan",
    LetterStatus.SIGNED: "Surat ditandatangani",
    LetterStatus.REJECTED: "Surat ditolak",
}
REASON = TypeAdapter(Reason)
REASON_ERRORS = {
    "empty": "Tuliskan alasan penolakan: alasan wajib diisi.",
    "too_long": f"Alasan penolakan paling panjang {NOTE_MAX} karakter.",
    "control_character": "Alasan penolakan tidak boleh berisi tab atau karakter kendali lain.",
}
PAGE_VALUES = {"labels": STATUS_LABELS, "reason_max": NOTE_MAX}


# --- the queues -----------------------------------------------------------------------


@pages.get("/")
async def landing(request: Request, officer: Approver, session: SessionDep) -> HTMLResponse:
    """The officer's queue: recaps to draft a letter for, or letters to sign."""
    if officer.role is Role.SEKRETARIS:
        return await render(request, "tanda_tangan.html", await _letters_to_sign(session, officer))
    return await render(request, "rekapan.html", await _recaps_to_draft(session, officer))


@pages.get("/bagian/rekapan")
async def recaps_part(
    request: Request, officer: Kasubbag, session: SessionDep, sidik: str = ""
) -> Response:
    """The Kasubbag's queue alone, for its poll."""
    return await polled_part(
        request, "_rekapan.html", await _recaps_to_draft(session, officer), sidik
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


async def _recaps_to_draft(session: AsyncSession, officer: Officer) -> dict[str, Any]:
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


# --- the Kasubbag Umum drafts ------------------------------------------------------------


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
    values = await _recaps_to_draft(session, officer)
    return await render(request, "rekapan.html", {**values, "error": error}, status_code=status)


# --- a letter, and the Sekretaris's decision --------------------------------------------


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
        return await _no_letter(request)


@pages.post("/surat/{letter_id}/tanda-tangan")
async def sign(
    request: Request, letter_id: str, officer: Sekretaris, context: ContextDep, session: SessionDep
) -> Response:
    """Sign a letter awaiting signature."""
    try:
        found = path_id(letter_id)
        signed = await commands.sign(context, officer, found)
    except NotFound:
        return await _no_letter(request)
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
        return await _no_letter(request)
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
        return await _no_letter(request)
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
        return await _no_letter(request)
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


async def _no_letter(request: Request) -> HTMLResponse:
    message = "Surat pengantar itu tidak ada di kantor Anda."
    return await render(request, "tidak_ditemukan.html", {"message": message}, status_code=404)
