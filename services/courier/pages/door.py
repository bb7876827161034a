"""A document at the citizen's door (`/antaran/{dossier_id}`): whom it goes to, its attempts,
and a form for each thing the courier records there (out for delivery, delivered with the
receipt code or with a photo, a failed attempt, returned). A refused form shows the page
again with what was typed and why, in Indonesian."""

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar
from uuid import UUID

from fastapi import Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession

from services.courier import commands
from services.courier.commands import WrongReceiptCode
from services.courier.config import Context
from services.courier.domain import MAX_WRONG_CODES, Outcome
from services.courier.http import AttemptRequest, DeliveredRequest, PhotosDep, ReturnedRequest
from services.courier.pages.common import Courier, document_or_none, named, not_here, pages
from services.courier.pages.refusals import (
    LOCKED,
    courier_refusal,
    field_errors,
    photo_from,
    refused_fields,
    say,
    wrong_code,
)
from services.courier.photos import Photo
from services.courier.queries import CourierDocumentPublic
from shared.aggregate import Committed
from shared.errors import Conflict, NotFound, Unprocessable
from shared.http.deps import ContextDep, SessionDep
from shared.identity import Officer
from shared.vocabulary import AttemptReason, DossierStatus, Relationship, ReturnReason
from shared.web import wording
from shared.web.deps import after_form, remember_position
from shared.web.forms import one_line
from shared.web.pages import page_status, render

R = TypeVar("R")
B = TypeVar("B", AttemptRequest, ReturnedRequest)
Typed = Annotated[str, Form()]
RECEIPT_CODE = re.compile(r"\d{6}")


@dataclass(frozen=True)
class DocumentScreen:
    """The page of the document a request names, as that request shows it again: with what
    a form typed, its field errors, or why its command was refused."""

    request: Request
    context: Context
    officer: Officer
    session: AsyncSession
    dossier_id: str

    async def document(self) -> CourierDocumentPublic | None:
        return await document_or_none(self.session, self.officer, self.dossier_id)

    async def show(
        self, values: dict[str, Any], errors: dict[str, str] | None = None
    ) -> HTMLResponse:
        document = await self.document()
        if document is None:
            return await not_here(self.request)
        max_attempts = self.context.settings.max_attempts
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
        status = page_status(shown["error"], errors)
        return await render(self.request, "dokumen.html", shown, status_code=status)

    async def run(
        self,
        values: dict[str, Any],
        asked: Outcome | None,
        command: Callable[[UUID], Awaitable[Committed[R]]],
        *,
        with_code: bool = False,
        document: CourierDocumentPublic | None = None,
    ) -> tuple[CourierDocumentPublic, Committed[R]] | Response:
        """The command on the document, and what it made; or, when it is refused, the page's
        answer: 404, or the page again saying why."""
        document = document or await self.document()
        if document is None:
            return await not_here(self.request)
        try:
            return document, await command(document.dossier_id)
        except NotFound:
            return await not_here(self.request)
        except WrongReceiptCode as wrong:
            if wrong.position is not None:
                await remember_position(self.request, wrong.position)
            return await self._wrong_code(values, wrong)
        except Conflict:
            return await self._refused(document, values, asked, with_code)
        except Unprocessable as refused:
            return await self.show(values, refused_fields(refused))

    async def record_reason(
        self,
        form: str,
        typed: tuple[str, str],
        model: type[B],
        asked: Outcome | None,
        record: Callable[[UUID, B], Awaitable[Committed[R]]],
        labels: dict[str, str] | None = None,
    ) -> tuple[CourierDocumentPublic, B, Committed[R]] | Response:
        """A reason-and-note form (a failed attempt, a return) read as the API's request model
        reads it, and its command; or the page's answer to what was refused."""
        reason, note = typed
        values = {"form": form, "typed": {"reason": reason, "note": note}}
        # An empty reason is left out, so that it is named as missing.
        fields = ({"reason": reason} if reason else {}) | {"note": one_line(note)}
        try:
            body = model.model_validate(fields)
        except ValidationError as invalid:
            return await self.show(values, field_errors(invalid, labels))
        recorded = await self.run(values, asked, lambda found: record(found, body))
        if isinstance(recorded, Response):
            return recorded
        document, done = recorded
        return document, body, done

    async def _wrong_code(self, values: dict[str, Any], wrong: WrongReceiptCode) -> HTMLResponse:
        """The refusal of a wrong code, beside the code; the page drops the code's form once
        it is locked (the read model may not have the refusal yet)."""
        if wrong.wrong_tries < MAX_WRONG_CODES:
            return await self.show(values, {"receipt_code": wrong_code(wrong.wrong_tries)})
        return await self.show({**values, "code_locked": True, "error": LOCKED})

    async def _refused(
        self,
        document: CourierDocumentPublic,
        values: dict[str, Any],
        asked: Outcome | None,
        with_code: bool,
    ) -> Response:
        """A 409 told in Indonesian, on the page as the log has the document now."""
        office = self.officer.office
        delivery = await commands.delivery_of(self.context, office, document.dossier_id)
        if asked is not None and delivery.outcome is asked:
            # The same outcome recorded already (a second tap): the page shows it.
            told = f"{named(document)} sudah tercatat; tidak dicatat dua kali."
            return await after_form(self.request, f"/antaran/{document.dossier_id}", told)
        max_attempts = self.context.settings.max_attempts
        values = {
            **values,
            "error": courier_refusal(delivery, max_attempts, asked, with_code),
            "only_return": delivery.failed_attempts >= max_attempts,
            "code_locked": delivery.wrong_codes >= MAX_WRONG_CODES,
        }
        return await self.show(values)


async def document_screen(
    request: Request, dossier_id: str, officer: Courier, context: ContextDep, session: SessionDep
) -> DocumentScreen:
    return DocumentScreen(request, context, officer, session, dossier_id)


Screen = Annotated[DocumentScreen, Depends(document_screen)]


@pages.get("/antaran/{dossier_id}")
async def document_page(screen: Screen) -> HTMLResponse:
    """One document: whom it goes to, its attempts, and a section for each thing recorded."""
    return await screen.show({})


@pages.post("/antaran/{dossier_id}/berangkat")
async def out_for_delivery(screen: Screen, lagi: Typed = "") -> Response:
    """Set out to the citizen's door: they are sent a fresh receipt code (never shown here).
    `lagi=1`: the courier asked for a new code on purpose."""
    context, office = screen.context, screen.officer.office
    document = await screen.document()
    if document is None:
        return await not_here(screen.request)
    page_of = f"/antaran/{document.dossier_id}"
    if lagi != "1":
        delivery = await commands.delivery_of(context, office, document.dossier_id)
        if delivery.receipt_code is not None:
            # A second tap of the first "Berangkat mengantar": one code, one message.
            told = f"{named(document)}: kode terima sudah dikirim ke warga."
            return await after_form(screen.request, page_of, told)
    sent = await screen.run(
        {"form": "berangkat"},
        None,
        lambda found: commands.send_out_for_delivery(context, screen.officer, found),
        document=document,
    )
    if isinstance(sent, Response):
        return sent
    _, done = sent
    told = (
        f"{named(document)}: kode terima 6 angka dikirim ke warga. Mintalah kode itu saat "
        "dokumen diserahkan."
    )
    return await after_form(screen.request, page_of, told, done.position)


@pages.post("/antaran/{dossier_id}/gagal")
async def failed_attempt(screen: Screen, reason: Typed = "", note: Typed = "") -> Response:
    """Record that the document could not be handed over at the door this time, and why."""
    recorded = await screen.record_reason(
        "gagal",
        (reason, note),
        AttemptRequest,
        None,
        lambda found, body: commands.record_attempt(
            screen.context, screen.officer, found, reason=body.reason, note=body.note
        ),
        labels={"reason": "alasan percobaan gagal"},
    )
    if isinstance(recorded, Response):
        return recorded
    document, body, done = recorded
    attempt = done.result
    then = (
        f"Sisa {attempt.attempts_left} kali percobaan lagi."
        if attempt.attempts_left
        else "Batas percobaan tercapai: dokumen ini hanya bisa dikembalikan ke kantor."
    )
    told = (
        f"Percobaan ke-{attempt.attempt} {named(document)} tercatat gagal "
        f"({wording.attempt_reason(body.reason).lower()}). {then}"
    )
    return await after_form(screen.request, f"/antaran/{document.dossier_id}", told, done.position)


@pages.post("/antaran/{dossier_id}/diserahkan")
async def delivered(
    screen: Screen,
    photos: PhotosDep,
    bukti: Typed = "foto",
    receipt_code: Typed = "",
    recipient_name: Typed = "",
    relationship: Typed = "",
    note: Typed = "",
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
        fields = {"receipt_code": receipt_code.strip(), "note": one_line(note)}
    else:
        given = {"recipient_name": recipient_name, "relationship": relationship}
        fields = {k: v for k, v in given.items() if v.strip()} | {"note": one_line(note)}
    errors: dict[str, str] = {}
    if with_code and not RECEIPT_CODE.fullmatch(fields["receipt_code"]):
        errors["receipt_code"] = "Kode terima wajib diisi: 6 angka dari pesan yang diterima warga."
    try:
        body = DeliveredRequest.model_validate(fields)
    except ValidationError as invalid:
        errors = field_errors(invalid) | errors
    shot: Photo | None = None
    if not with_code:
        for name in given:
            if name not in fields:
                errors.setdefault(name, say(name, "missing"))
        taken = await photo_from(photo)
        if isinstance(taken, str):
            errors["photo"] = taken
        else:
            shot = taken
    if errors:
        return await screen.show(values, errors)
    recorded = await screen.run(
        values,
        Outcome.DELIVERED,
        lambda found: commands.record_delivery(
            screen.context, photos, screen.officer, found, body.proof(), shot
        ),
        with_code=with_code,
    )
    if isinstance(recorded, Response):
        return recorded
    document, done = recorded
    if with_code:
        told = f"{named(document)} tercatat diserahkan: kode terima cocok."
    else:
        whom = wording.relationship(body.relationship or "").lower()
        told = f"{named(document)} tercatat diserahkan kepada {whom}, dengan foto."
    return await after_form(screen.request, "/antaran", told, done.position)


@pages.post("/antaran/{dossier_id}/dikembalikan")
async def returned(screen: Screen, reason: Typed = "", note: Typed = "") -> Response:
    """Record that the document could not be delivered and goes back to the office."""
    recorded = await screen.record_reason(
        "dikembalikan",
        (reason, note),
        ReturnedRequest,
        Outcome.RETURNED,
        lambda found, body: commands.record_return(
            screen.context, screen.officer, found, reason=body.reason, note=body.note
        ),
    )
    if isinstance(recorded, Response):
        return recorded
    document, body, done = recorded
    told = (
        f"{named(document)} tercatat dikembalikan "
        f"({wording.return_reason(body.reason).lower()}). "
        "Serahkan dokumennya kepada Kasubbag Umum di kantor."
    )
    return await after_form(screen.request, "/antaran", told, done.position)
