"""The registration form (`/`, the FO's landing page), with the registry check's answer and
today's dossiers beside it."""

import uuid
from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from services.intake import commands, queries
from services.intake.domain import Registration
from services.intake.http import RegistrationRequest
from services.intake.pages.common import (
    FIELDS,
    LABELS,
    REFRESHED,
    REGISTRY,
    TODAY,
    FrontOffice,
    is_htmx,
    labels,
    moment,
    pages,
    refusal,
)
from services.intake.pages.dossiers import DossierFilter, dossier_listing
from shared.errors import Conflict, NotFound, ReadModelBehind, Unprocessable
from shared.http.deps import ContextDep, SessionDep
from shared.identity import Officer
from shared.log import ConcurrencyConflict
from shared.web.deps import flash, remember_position
from shared.web.forms import field_errors, form_key, submitted_once
from shared.web.pages import render


async def _registration(
    request: Request,
    template: str,
    *,
    typed: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    problem: str | None = None,
    registered: queries.DossierPublic | None = None,
    status_code: int = 200,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    values = {
        **labels(),
        "typed": typed or {},
        "errors": errors or {},
        "problem": problem,
        "registered": registered,
        "form_key": form_key(),
        "swapped": template == "_registration.html",  # htmx swaps it; its alert goes out of band
        "errors_note": "Pendaftaran belum tersimpan. Periksa isian yang ditandai.",
        "moment": moment,
        **(extra or {}),
    }
    return await render(request, template, values, status_code=status_code, headers=headers)


@pages.get("/")
async def landing(
    request: Request,
    officer: FrontOffice,
    session: SessionDep,
    context: ContextDep,
    terdaftar: str = "",
) -> HTMLResponse:
    """The FO desk: the registration form, and today's dossiers (and, after a registration
    sent without htmx, the dossier it registered)."""
    registered = None
    try:
        registered = await queries.dossier(session, officer.office, uuid.UUID(terdaftar))
    except (ValueError, NotFound):  # none asked for, or not one of this office's
        registered = None
    listing = await dossier_listing(session, context, officer, DossierFilter(waktu=TODAY), limit=10)
    return await _registration(
        request, "register.html", registered=registered, extra={"listing": listing}
    )


@pages.post("/")
async def register(
    request: Request,
    officer: FrontOffice,
    context: ContextDep,
    nik: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    address: Annotated[str, Form()] = "",
    phone: Annotated[str, Form()] = "",
    document_type: Annotated[str, Form()] = "",
    document_number: Annotated[str, Form()] = "",
    form_key: Annotated[str, Form()] = "",
) -> Response:
    """Register a document from the form; the same form sent twice registers it once."""
    values = (nik, name, address, phone, document_type, document_number)
    typed = dict(zip(FIELDS, values, strict=True))
    template = "_registration.html" if is_htmx(request) else "register.html"
    failed = 200 if is_htmx(request) else 422  # htmx swaps a 2xx answer only
    try:
        body = RegistrationRequest.model_validate(typed)
    except ValidationError as error:
        return await _registration(
            request,
            template,
            typed=typed,
            errors=field_errors(error, LABELS),
            status_code=failed,
            extra=await _landing_listing(context, officer, template),
        )

    async def run() -> dict[str, str]:
        events = await commands.register_document(
            context, officer, Registration(**body.model_dump())
        )
        position = events[-1].position or ""
        dossier_id = queries.dossier_from_events(events).dossier_id
        return {"dossier_id": str(dossier_id), "position": position}

    try:
        outcome = await submitted_once(request, form_key, run)
    except Unprocessable as error:
        field = (error.errors or [{}])[0].get("field", "")
        return await _registration(
            request,
            template,
            typed=typed,
            errors={field: REGISTRY.get(field, "Periksa isian ini.")},
            status_code=failed,
            extra=await _landing_listing(context, officer, template),
        )
    except (Conflict, ConcurrencyConflict) as error:
        return await _registration(
            request,
            template,
            typed=typed,
            problem=refusal(error),
            status_code=200 if is_htmx(request) else 409,
            extra=await _landing_listing(context, officer, template),
        )
    await remember_position(request, outcome["position"])
    dossier_id = uuid.UUID(outcome["dossier_id"])
    if not is_htmx(request):
        await flash(request, "Berkas terdaftar.")
        return RedirectResponse(f"/?terdaftar={dossier_id}", status_code=303)
    registered = await _registered(context, officer, dossier_id, outcome["position"])
    return await _registration(
        request,
        template,
        registered=registered,
        extra={"registered_id": dossier_id},
        headers={"HX-Trigger": REFRESHED},
    )


async def _registered(
    context: ContextDep, officer: Officer, dossier_id: uuid.UUID, position: str
) -> queries.DossierPublic | None:
    """The dossier just registered, as the read model shows it once it applied it."""
    try:
        await context.read_model_reached(officer.office, position)
    except ReadModelBehind:
        return None
    async with context.sessions() as session:
        return await queries.dossier(session, officer.office, dossier_id)


async def _landing_listing(context: ContextDep, officer: Officer, template: str) -> dict[str, Any]:
    """Today's dossiers under a form shown again in full (not when htmx swaps the form)."""
    if template != "register.html":
        return {}
    async with context.sessions() as session:
        listing = await dossier_listing(
            session, context, officer, DossierFilter(waktu=TODAY), limit=10
        )
    return {"listing": listing}
