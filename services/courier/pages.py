"""The courier's pages, made for a 360x740 phone: the ready handovers to accept (`/`), the
round of accepted ones (`/antaran`) and each document's page, where its outcome is recorded
(delivered or returned); and the Kasubbag Umum's returned documents to receive back
(`/kembali`: `/returns` is the JSON API's). Each page calls the same command and query
functions as the JSON routes (`services.courier.http`), so the two can never disagree.

The queues poll their own part of the page (`/bagian/...`, every 5 s). A poll carries the
fingerprint of what it shows; when nothing changed it is answered 204 and htmx swaps
nothing, so a button is not replaced under the officer's thumb."""

import re
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession

from services.courier import commands, queries
from services.courier.commands import WrongReceiptCode
from services.courier.domain import MAX_WRONG_CODES, Delivery, Outcome
from services.courier.http import AttemptRequest, DeliveredRequest, ReturnedRequest
from services.courier.photos import MAX_PHOTO_BYTES, Photo, checked_photo
from services.courier.queries import CourierDocumentPublic, HandoverStatus
from shared.errors import Conflict, NotFound, Unprocessable
from shared.http.deps import ContextDep, SessionDep
from shared.http.pagination import MAX_LIMIT
from shared.identity import Officer
from shared.privacy import ERASED
from shared.validation import NAME_MAX, NOTE_MAX
from shared.vocabulary import AttemptReason, DossierStatus, Relationship, ReturnReason, Role
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
    "photo": "Foto serah terima",
    "receipt_code": "Kode terima",
}
LIMITS = {"recipient_name": NAME_MAX, "note": NOTE_MAX}
CHOICES = {"relationship", "reason"}
LOCKED = (
    f"Kode terima dikunci setelah {MAX_WRONG_CODES} kali salah. Serahkan dengan nama penerima, "
    "hubungannya, dan foto."
)
RECEIPT_CODE = re.compile(r"\d{6}")
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


# --- a document at the citizen's door ---------------------------------------------------


@pages.get("/antaran/{dossier_id}")
async def document_page(
    request: Request, dossier_id: str, officer: Courier, context: ContextDep, session: SessionDep
) -> HTMLResponse:
    """One document: whom it goes to, its attempts, and a section for each thing recorded."""
    return await _document_page(request, context, dossier_id, officer, session, {})


@pages.post("/antaran/{dossier_id}/berangkat")
async def out_for_delivery(
    request: Request,
    dossier_id: str,
    officer: Courier,
    context: ContextDep,
    session: SessionDep,
    lagi: Annotated[str, Form()] = "",
) -> Response:
    """Set out to the citizen's door: they are sent a fresh receipt code (never shown here).
    `lagi=1`: the courier asked for a new code on purpose."""
    document = await _document_or_none(session, officer, dossier_id)
    if document is None:
        return await _not_here(request)
    if lagi != "1":
        delivery = await commands.delivery_of(context, officer.office, document.dossier_id)
        if delivery.receipt_code is not None:
            # A second tap of the first "Berangkat mengantar": one code, one message.
            await flash(request, f"{_named(document)}: kode terima sudah dikirim ke warga.")
            return RedirectResponse(f"/antaran/{document.dossier_id}", status_code=303)
    try:
        sent = await commands.send_out_for_delivery(context, officer, document.dossier_id)
    except NotFound:
        return await _not_here(request)
    except Conflict:
        values = {"form": "berangkat"}
        return await _outcome_refused(request, context, officer, session, document, values, None)
    await remember_position(request, sent.position)
    await flash(
        request,
        f"{_named(document)}: kode terima 6 angka dikirim ke warga. Mintalah kode itu saat "
        "dokumen diserahkan.",
    )
    return RedirectResponse(f"/antaran/{document.dossier_id}", status_code=303)


def _reason_form(form: str, reason: str, note: str) -> tuple[dict[str, Any], dict[str, str]]:
    """A reason-and-note form as the page keeps it (what was typed) and as the API's request
    model reads it (an empty reason left out, so it is named as missing)."""
    values = {"form": form, "typed": {"reason": reason, "note": note}}
    return values, ({"reason": reason} if reason else {}) | {"note": _one_line(note)}


@pages.post("/antaran/{dossier_id}/gagal")
async def failed_attempt(
    request: Request,
    dossier_id: str,
    officer: Courier,
    context: ContextDep,
    session: SessionDep,
    reason: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    """Record that the document could not be handed over at the door this time, and why."""
    values, fields = _reason_form("gagal", reason, note)
    try:
        body = AttemptRequest.model_validate(fields)
    except ValidationError as invalid:
        errors = _field_errors(invalid, {"reason": "alasan percobaan gagal"})
        return await _document_page(request, context, dossier_id, officer, session, values, errors)
    document = await _document_or_none(session, officer, dossier_id)
    if document is None:
        return await _not_here(request)
    try:
        recorded = await commands.record_attempt(
            context, officer, document.dossier_id, reason=body.reason, note=body.note
        )
    except NotFound:
        return await _not_here(request)
    except Unprocessable:
        errors = {"note": "Tuliskan keterangan: untuk alasan Lainnya, keterangan wajib diisi."}
        return await _document_page(request, context, dossier_id, officer, session, values, errors)
    except Conflict:
        return await _outcome_refused(request, context, officer, session, document, values, None)
    await remember_position(request, recorded.position)
    attempt = recorded.result
    then = (
        f"Sisa {attempt.attempts_left} kali percobaan lagi."
        if attempt.attempts_left
        else "Batas percobaan tercapai: dokumen ini hanya bisa dikembalikan ke kantor."
    )
    await flash(
        request,
        f"Percobaan ke-{attempt.attempt} {_named(document)} tercatat gagal "
        f"({wording.attempt_reason(body.reason).lower()}). {then}",
    )
    return RedirectResponse(f"/antaran/{document.dossier_id}", status_code=303)


@pages.post("/antaran/{dossier_id}/diserahkan")
async def delivered(
    request: Request,
    dossier_id: str,
    officer: Courier,
    context: ContextDep,
    session: SessionDep,
    bukti: Annotated[str, Form()] = "foto",
    receipt_code: Annotated[str, Form()] = "",
    recipient_name: Annotated[str, Form()] = "",
    relationship: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    photo: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Record that the document reached its recipient: with the receipt code the citizen was
    sent (`bukti=kode`), or with the recipient's name, relationship and a photo."""
    with_code = bukti == "kode"
    typed = {
        "receipt_code": receipt_code,
        "recipient_name": recipient_name,
        "relationship": relationship,
        "note": note,
    }
    values: dict[str, Any] = {"form": "kode" if with_code else "foto", "typed": typed}
    if with_code:
        fields = {"receipt_code": receipt_code.strip(), "note": _one_line(note)}
    else:
        given = {"recipient_name": recipient_name, "relationship": relationship}
        fields = {k: v for k, v in given.items() if v.strip()} | {"note": _one_line(note)}
    errors: dict[str, str] = {}
    if with_code and not RECEIPT_CODE.fullmatch(fields["receipt_code"]):
        errors["receipt_code"] = "Kode terima wajib diisi: 6 angka dari pesan yang diterima warga."
    try:
        body = DeliveredRequest.model_validate(fields)
    except ValidationError as invalid:
        errors = _field_errors(invalid) | errors
    shot: Photo | None = None
    if not with_code:
        for name in given:
            if name not in fields:
                errors.setdefault(name, _say(name, "missing"))
        taken = await _photo_from(photo)
        if isinstance(taken, str):
            errors["photo"] = taken
        else:
            shot = taken
    if errors:
        return await _document_page(request, context, dossier_id, officer, session, values, errors)
    document = await _document_or_none(session, officer, dossier_id)
    if document is None:
        return await _not_here(request)
    try:
        recorded = await commands.record_delivery(
            context, officer, document.dossier_id, body.proof(), shot
        )
    except NotFound:
        return await _not_here(request)
    except WrongReceiptCode as wrong:
        if wrong.position is not None:
            await remember_position(request, wrong.position)
        return await _wrong_code(request, context, officer, session, document, values, wrong)
    except Conflict:
        return await _outcome_refused(
            request, context, officer, session, document, values, Outcome.DELIVERED, with_code
        )
    except Unprocessable as refused:
        errors = {str(e["field"]): _say(str(e["field"]), "missing") for e in refused.errors or []}
        return await _document_page(request, context, dossier_id, officer, session, values, errors)
    await remember_position(request, recorded.position)
    if with_code:
        told = f"{_named(document)} tercatat diserahkan: kode terima cocok."
    else:
        whom = wording.relationship(body.relationship or "").lower()
        told = f"{_named(document)} tercatat diserahkan kepada {whom}, dengan foto."
    await flash(request, told)
    return RedirectResponse("/antaran", status_code=303)


async def _photo_from(upload: UploadFile | None) -> Photo | str:
    """The photo taken at the door, checked as the API checks it; or, in Indonesian, why it
    cannot be taken."""
    content = await upload.read() if upload is not None else b""
    if not content:
        return "Ambil foto serah terima dokumen dengan kamera ponsel."
    if len(content) > MAX_PHOTO_BYTES:
        size = f"{len(content) / 1024 / 1024:.1f}".replace(".", ",")
        return f"Foto terlalu besar ({size} MB); paling besar 2 MB. Ambil foto lagi."
    try:
        return checked_photo(content)
    except Unprocessable:
        return "Berkas itu bukan foto JPEG atau PNG yang dapat dibaca. Ambil foto lagi."


async def _wrong_code(
    request: Request,
    context: ContextDep,
    officer: Officer,
    session: AsyncSession,
    document: CourierDocumentPublic,
    values: dict[str, Any],
    wrong: WrongReceiptCode,
) -> HTMLResponse:
    """The refusal of a wrong code, beside the code; the page drops the code's form once it
    is locked (the read model may not have the refusal yet)."""
    left = MAX_WRONG_CODES - wrong.wrong_tries
    page_of = str(document.dossier_id)
    if left > 0:
        said = (
            "Kode terima salah. Tanyakan lagi kode 6 angka dari pesan yang diterima warga. "
            f"Setelah {left} kali salah lagi, kode dikunci."
        )
        return await _document_page(
            request, context, page_of, officer, session, values, {"receipt_code": said}
        )
    values = {**values, "code_locked": True, "error": LOCKED}
    return await _document_page(request, context, page_of, officer, session, values)


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
    values, fields = _reason_form("dikembalikan", reason, note)
    try:
        body = ReturnedRequest.model_validate(fields)
    except ValidationError as invalid:
        errors = _field_errors(invalid)
        return await _document_page(request, context, dossier_id, officer, session, values, errors)
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
        return await _document_page(request, context, dossier_id, officer, session, values, errors)
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
    asked: Outcome | None,
    with_code: bool = False,
) -> Response:
    """A 409 told in Indonesian, on the page as the log has the document now."""
    delivery = await commands.delivery_of(context, officer.office, document.dossier_id)
    if asked is not None and delivery.outcome is asked:
        # The same outcome recorded already (a second tap): the page shows it.
        await flash(request, f"{_named(document)} sudah tercatat; tidak dicatat dua kali.")
        return RedirectResponse(f"/antaran/{document.dossier_id}", status_code=303)
    max_attempts = context.settings.max_attempts
    values = {
        **values,
        "error": _courier_refusal(delivery, max_attempts, asked, with_code),
        "only_return": delivery.failed_attempts >= max_attempts,
        "code_locked": delivery.wrong_codes >= MAX_WRONG_CODES,
    }
    page_of = str(document.dossier_id)
    return await _document_page(request, context, page_of, officer, session, values)


def _courier_refusal(
    delivery: Delivery, max_attempts: int, asked: Outcome | None, with_code: bool
) -> str:
    """Why the courier may not record this, from the document as the log has it."""
    if delivery.outcome is Outcome.DELIVERED:
        return "Dokumen ini sudah tercatat diserahkan kepada penerimanya; hasilnya tidak diubah."
    if delivery.outcome is Outcome.RETURNED:
        return "Dokumen ini sudah tercatat dikembalikan; serahkan dokumennya ke Kasubbag Umum."
    if delivery.outcome is Outcome.RECEIVED_BACK:
        return "Dokumen ini sudah dikembalikan dan diterima kembali di kantor."
    if asked is not Outcome.RETURNED and delivery.failed_attempts >= max_attempts:
        return (
            f"Dokumen ini sudah {delivery.failed_attempts} kali gagal diantar. Setelah "
            f"{max_attempts} kali gagal, dokumen hanya bisa dikembalikan ke kantor, tempat "
            "warga mengambilnya."
        )
    if with_code and delivery.wrong_codes >= MAX_WRONG_CODES:
        return LOCKED
    if with_code and delivery.receipt_code in (None, ERASED):
        return (
            "Kode terima belum dikirim ke warga. Tekan Berangkat mengantar dulu, atau serahkan "
            "dengan nama penerima, hubungannya, dan foto."
        )
    return (
        "Serah terima surat pengantar dokumen ini belum diterima. Terima serah terimanya "
        "dulu, lalu catat hasilnya."
    )


async def _document_page(
    request: Request,
    context: ContextDep,
    dossier_id: str,
    officer: Officer,
    session: AsyncSession,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
) -> HTMLResponse:
    document = await _document_or_none(session, officer, dossier_id)
    if document is None:
        return await _not_here(request)
    max_attempts = context.settings.max_attempts
    shown = {
        "document": document,
        "can_record": document.delivery_status is DossierStatus.WITH_COURIER,
        "only_return": document.failed_attempts >= max_attempts,
        "code_sent": document.out_for_delivery_at is not None,
        "code_locked": document.wrong_codes >= MAX_WRONG_CODES,
        "max_attempts": max_attempts,
        "max_wrong_codes": MAX_WRONG_CODES,
        "relationships": list(Relationship),
        "reasons": list(ReturnReason),
        "attempt_reasons": list(AttemptReason),
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


def _field_errors(invalid: ValidationError, labels: dict[str, str] | None = None) -> dict[str, str]:
    """One Indonesian sentence per field that failed, by the field's name."""
    found: dict[str, str] = {}
    for item in invalid.errors():
        name = str(item["loc"][0]) if item["loc"] else ""
        found.setdefault(name, _say(name, str(item["type"]), labels))
    return found


def _say(name: str, kind: str, labels: dict[str, str] | None = None) -> str:
    label = (labels or {}).get(name) or LABELS.get(name, name)
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
