"""The courier's pages, made for a 360x740 phone: the ready handovers to accept (`/`), the
round of accepted ones (`/antaran`) and each document's page, where its outcome is recorded
(delivered or returned); and the Kasubbag Umum's returned documents to receive back
(`/kembali`: `/returns` is the JSON API's). Each page calls the same command and query
functions as the JSON routes (`services.courier.http`), so the two can never disagree.

The queues poll their own part of the page (`/bagian/...`, every 5 s). A poll carries the
fingerprint of what it shows; when nothing changed it is answered 204 and htmx swaps
nothing, so a button is not replaced under the officer's thumb."""

from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession

from services.courier import commands, queries
from services.courier.domain import Delivery, Outcome, Proof
from services.courier.http import DeliveredRequest, ReturnedRequest
from services.courier.queries import CourierDocumentPublic, HandoverStatus
from shared.errors import Conflict, NotFound, Unprocessable
from shared.http.deps import ContextDep, SessionDep
from shared.http.pagination import MAX_LIMIT
from shared.identity import Officer
from shared.validation import NAME_MAX, NOTE_MAX
from shared.vocabulary import DossierStatus, Relationship, ReturnReason, Role
from shared.web import wording
from shared.web.deps import flash, page_for, page_router, remember_position
from shared.web.pages import fingerprint, polled_part, render

pages = page_router()

Courier = Annotated[Officer, Depends(page_for(Role.COURIER))]
KasubbagUmum = Annotated[Officer, Depends(page_for(Role.KASUBBAG_UMUM))]
CourierOrKasubbag = Annotated[Officer, Depends(page_for(Role.COURIER, Role.KASUBBAG_UMUM))]

LABELS = {
    "recipient_name": "Nama penerima",
    "relationship": "hubungan penerima dengan pemilik dokumen",
    "reason": "alasan pengembalian",
    "note": "Keterangan",
}
LIMITS = {"recipient_name": NAME_MAX, "note": NOTE_MAX}
CHOICES = {"relationship", "reason"}
NOT_HERE = "Surat pengantar atau dokumen itu tidak ada di kantor Anda."


# --- the courier's queues --------------------------------------------------------------


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
    return {
        "handovers": page.items,
        "more": page.next is not None,
        "sidik": fingerprint(page.model_dump_json()),
    }


async def _round(session: AsyncSession, officer: Officer) -> dict[str, Any]:
    page = await queries.handovers_on_round(session, officer.office, None, MAX_LIMIT)
    return {
        "handovers": page.items,
        "more": page.next is not None,
        "sidik": fingerprint(page.model_dump_json()),
    }


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
    found = _uuid(letter_id)
    if found is None:
        return await _not_here(request)
    try:
        accepted = await commands.accept_handover(context, officer, found)
    except NotFound:
        return await _not_here(request)
    except Conflict:
        if (await commands.handover_of(context, officer.office, found)).accepted:
            # A second tap, or another courier's: the handover is taken either way.
            await flash(request, "Serah terima surat pengantar ini sudah diterima.")
            return RedirectResponse(f"/serah-terima/{found}", status_code=303)
        error = "Daftar dokumen surat ini belum lengkap di sini. Tunggu sebentar, lalu coba lagi."
        return await _handover_page(request, letter_id, officer, session, error=error)
    await remember_position(request, accepted.position)
    handover = await queries.handover_of(session, officer.office, found)
    await flash(
        request,
        f"Serah terima surat pengantar {handover.letter_number} diterima: "
        f"{len(accepted.result.dossier_ids)} dokumen siap diantar.",
    )
    return RedirectResponse("/antaran", status_code=303)


async def _handover_page(
    request: Request, letter_id: str, officer: Officer, session: AsyncSession, error: str = ""
) -> HTMLResponse:
    found = _uuid(letter_id)
    try:
        if found is None:
            raise NotFound(letter_id)
        handover = await queries.handover_of(session, officer.office, found)
    except NotFound:
        return await _not_here(request)
    values = {"handover": handover, "error": error}
    return await render(request, "manifes.html", values, status_code=409 if error else 200)


# --- a document: delivered or returned ---------------------------------------------------


@pages.get("/antaran/{dossier_id}")
async def document_page(
    request: Request, dossier_id: str, officer: Courier, session: SessionDep
) -> HTMLResponse:
    """One document: whom it goes to, and a section for each thing the courier records."""
    return await _document_page(request, dossier_id, officer, session, {})


@pages.post("/antaran/{dossier_id}/diserahkan")
async def delivered(
    request: Request,
    dossier_id: str,
    officer: Courier,
    context: ContextDep,
    session: SessionDep,
    recipient_name: Annotated[str, Form()] = "",
    relationship: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    """Record that the document reached its recipient."""
    typed = {"recipient_name": recipient_name, "relationship": relationship, "note": note}
    values = {"form": "diserahkan", "typed": typed}
    fields = {k: v for k, v in typed.items() if v.strip()} | {"note": _one_line(note)}
    try:
        body = DeliveredRequest.model_validate(fields)
    except ValidationError as invalid:
        errors = _field_errors(invalid)
        return await _document_page(request, dossier_id, officer, session, values, errors)
    document = await _document_or_none(session, officer, dossier_id)
    if document is None:
        return await _not_here(request)
    try:
        recorded = await commands.record_delivery(
            context,
            officer,
            document.dossier_id,
            Proof(
                receipt_code=body.receipt_code,
                recipient_name=body.recipient_name,
                relationship=body.relationship,
                note=body.note,
            ),
        )
    except NotFound:
        return await _not_here(request)
    except Conflict:
        return await _outcome_refused(
            request, context, officer, session, document, values, Outcome.DELIVERED
        )
    await remember_position(request, recorded.position)
    await flash(
        request,
        f"{_named(document)} tercatat diserahkan kepada "
        f"{wording.relationship(body.relationship or '').lower()}.",
    )
    return RedirectResponse("/antaran", status_code=303)


@pages.post("/antaran/{dossier_id}/dikembalikan")
async def returned(
    request: Request,
    dossier_id: str,
    officer: Courier,
    context: ContextDep,
    session: SessionDep,
    reason: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    """Record that the document could not be delivered and goes back to the office."""
    typed = {"reason": reason, "note": note}
    values = {"form": "dikembalikan", "typed": typed}
    fields = ({"reason": reason} if reason else {}) | {"note": _one_line(note)}
    try:
        body = ReturnedRequest.model_validate(fields)
    except ValidationError as invalid:
        errors = _field_errors(invalid)
        return await _document_page(request, dossier_id, officer, session, values, errors)
    document = await _document_or_none(session, officer, dossier_id)
    if document is None:
        return await _not_here(request)
    try:
        recorded = await commands.record_return(
            context, officer, document.dossier_id, reason=body.reason, note=body.note
        )
    except NotFound:
        return await _not_here(request)
    except Unprocessable:
        # The one rule the form cannot tell by itself: "Lainnya" needs the why.
        errors = {"note": "Tuliskan keterangan: untuk alasan Lainnya, keterangan wajib diisi."}
        return await _document_page(request, dossier_id, officer, session, values, errors)
    except Conflict:
        return await _outcome_refused(
            request, context, officer, session, document, values, Outcome.RETURNED
        )
    await remember_position(request, recorded.position)
    await flash(
        request,
        f"{_named(document)} tercatat dikembalikan ({wording.return_reason(body.reason).lower()}). "
        "Serahkan dokumennya kepada Kasubbag Umum di kantor.",
    )
    return RedirectResponse("/antaran", status_code=303)


async def _outcome_refused(
    request: Request,
    context: ContextDep,
    officer: Officer,
    session: AsyncSession,
    document: CourierDocumentPublic,
    values: dict[str, Any],
    asked: Outcome,
) -> Response:
    delivery = await commands.delivery_of(context, officer.office, document.dossier_id)
    if delivery.outcome is asked:
        # The same outcome recorded already (a second tap): the page shows it.
        await flash(request, f"{_named(document)} sudah tercatat; tidak dicatat dua kali.")
        return RedirectResponse(f"/antaran/{document.dossier_id}", status_code=303)
    values = {**values, "error": _courier_refusal(delivery)}
    return await _document_page(request, str(document.dossier_id), officer, session, values)


def _courier_refusal(delivery: Delivery) -> str:
    """Why the courier may not record this outcome, from the document as the log has it."""
    if delivery.outcome is Outcome.DELIVERED:
        return "Dokumen ini sudah tercatat diserahkan kepada penerimanya; hasilnya tidak diubah."
    if delivery.outcome is Outcome.RETURNED:
        return "Dokumen ini sudah tercatat dikembalikan; serahkan dokumennya ke Kasubbag Umum."
    if delivery.outcome is Outcome.RECEIVED_BACK:
        return "Dokumen ini sudah dikembalikan dan diterima kembali di kantor."
    return (
        "Serah terima surat pengantar dokumen ini belum diterima. Terima serah terimanya "
        "dulu, lalu catat hasilnya."
    )


async def _document_page(
    request: Request,
    dossier_id: str,
    officer: Officer,
    session: AsyncSession,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
) -> HTMLResponse:
    document = await _document_or_none(session, officer, dossier_id)
    if document is None:
        return await _not_here(request)
    shown = {
        "document": document,
        "can_record": document.delivery_status is DossierStatus.WITH_COURIER,
        "relationships": list(Relationship),
        "reasons": list(ReturnReason),
        "form": "",
        "typed": {},
        "error": "",
        "errors": errors or {},
        **values,
    }
    status = 409 if shown["error"] else 422 if errors else 200
    return await render(request, "dokumen.html", shown, status_code=status)


async def _document_or_none(
    session: AsyncSession, officer: Officer, dossier_id: str
) -> CourierDocumentPublic | None:
    found = _uuid(dossier_id)
    if found is None:
        return None
    try:
        return await queries.courier_document(session, officer.office, found)
    except NotFound:
        return None


# --- the Kasubbag Umum receives returned documents back ----------------------------------


@pages.get("/kembali")
async def returns_page(request: Request, officer: KasubbagUmum, session: SessionDep) -> Response:
    """The documents the courier brought back, to receive into the office."""
    return await render(request, "kembali.html", await _returns(session, officer))


@pages.get("/bagian/kembali")
async def returns_part(
    request: Request, officer: KasubbagUmum, session: SessionDep, sidik: str = ""
) -> Response:
    """The returns to receive alone, for their poll."""
    return await polled_part(request, "_kembali.html", await _returns(session, officer), sidik)


@pages.post("/kembali/{dossier_id}/terima")
async def receive(
    request: Request,
    dossier_id: str,
    officer: KasubbagUmum,
    context: ContextDep,
    session: SessionDep,
) -> Response:
    """Receive a returned document back into the office."""
    found = _uuid(dossier_id)
    if found is None:
        return await _not_here(request)
    try:
        received = await commands.receive_return(context, officer, found)
    except NotFound:
        return await _not_here(request)
    except Conflict:
        delivery = await commands.delivery_of(context, officer.office, found)
        if delivery.outcome is Outcome.RECEIVED_BACK:
            await flash(request, "Dokumen itu sudah diterima kembali di kantor.")
            return RedirectResponse("/kembali", status_code=303)
        values = await _returns(session, officer)
        values["refused"] = {str(found): _receipt_refusal(delivery, officer)}
        return await render(request, "kembali.html", values, status_code=409)
    await remember_position(request, received.position)
    document = await _document_or_none(session, officer, str(found))
    what = _named(document) if document else "Dokumen"
    await flash(request, f"{what} diterima kembali di kantor.")
    return RedirectResponse("/kembali", status_code=303)


async def _returns(session: AsyncSession, officer: Officer) -> dict[str, Any]:
    page = await queries.returns(session, officer.office, False, None, MAX_LIMIT)
    return {
        "returns": page.items,
        "more": page.next is not None,
        "sidik": fingerprint(page.model_dump_json()),
        "refused": {},
    }


def _receipt_refusal(delivery: Delivery, officer: Officer) -> str:
    """Why the Kasubbag Umum may not receive this document back (the 409's reason)."""
    if delivery.outcome is not Outcome.RETURNED:
        return "Dokumen ini tidak tercatat dikembalikan kurir."
    if delivery.returned_by == officer.officer_id:
        return (
            "Anda sendiri yang mencatat pengembalian dokumen ini sebagai kurir. Petugas yang "
            "mengembalikan dokumen tidak boleh menerimanya kembali (pemisahan tugas); "
            "Kasubbag Umum lain yang menerimanya."
        )
    return "Dokumen ini baru saja berubah. Muat ulang halaman, lalu coba lagi."


# --- shared by the pages ------------------------------------------------------------------


def _field_errors(invalid: ValidationError) -> dict[str, str]:
    """One Indonesian sentence per field that failed, by the field's name."""
    found: dict[str, str] = {}
    for item in invalid.errors():
        name = str(item["loc"][0]) if item["loc"] else ""
        found.setdefault(name, _say(name, str(item["type"])))
    return found


def _say(name: str, kind: str) -> str:
    label = LABELS.get(name, name)
    if name in CHOICES:
        return f"Pilih {label}."
    if kind in ("missing", "empty"):
        return f"{label} wajib diisi."
    if kind == "too_long":
        return f"{label} paling panjang {LIMITS.get(name, NOTE_MAX)} karakter."
    if kind == "control_character":
        return f"{label} tidak boleh berisi tab atau karakter kendali lain."
    return f"{label} tidak dapat diterima."


def _one_line(text: str) -> str:
    # The log keeps a note on one line: the lines typed in the box are joined.
    return " ".join(line.strip() for line in text.splitlines() if line.strip())


def _named(document: CourierDocumentPublic) -> str:
    """`KTP Elektronik ****1234`: enough to match the paper in hand, no more."""
    return f"{wording.document_name(document.document_type)} {document.document_number}"


async def _not_here(request: Request) -> HTMLResponse:
    return await render(request, "tidak_ada.html", {"message": NOT_HERE}, status_code=404)


def _uuid(text: str) -> UUID | None:
    try:
        return UUID(text.strip())
    except ValueError:
        return None
