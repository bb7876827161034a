"""The FO desk's HTTP routes: registration, flags, the dossier list and recap lists."""

import asyncio
import re
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from services.intake import commands, queries
from services.intake.domain import Correction, Registration
from services.intake.papers import printed_recap, receipt_pdf
from services.intake.queries import CorrectionPublic, DossierPublic, FlagPublic, RecapPublic
from services.intake.search import SEARCH_MAX, search_terms
from shared.errors import Conflict, NotFound
from shared.http.deps import ContextDep, SessionDep, requires
from shared.http.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, cursor_value
from shared.http.positions import READS_AFTER, answers_with_position, tell_position
from shared.http.requests import RequestModel
from shared.http.responses import json_response
from shared.identity import Officer
from shared.validation import Address, DocumentNumber, IndonesianMobile, Nik, Note, PersonName
from shared.vocabulary import DocumentType, DossierStatus, FlagReason, Role

SORT_KEY = re.compile(r"\d{15}-\d{8}")
FrontOffice = Annotated[Officer, Depends(requires(Role.FO))]
Reader = Annotated[Officer, Depends(requires(Role.FO, Role.KASUBBAG_UMUM, Role.SEKRETARIS))]

dossiers = APIRouter(prefix="/dossiers", tags=["dossiers"], dependencies=[READS_AFTER])
recaps = APIRouter(prefix="/recaps", tags=["recaps"], dependencies=[READS_AFTER])


class RegistrationRequest(RequestModel):
    nik: Nik
    name: PersonName
    address: Address
    phone: IndonesianMobile
    document_type: DocumentType
    document_number: DocumentNumber


class FlagRequest(RequestModel):
    reason: FlagReason
    note: Note = ""


class ResolveRequest(RequestModel):
    note: Note = ""


class CorrectionRequest(RequestModel):
    """The fields as they should be; a field left out stays as it is."""

    name: PersonName | None = None
    address: Address | None = None
    phone: IndonesianMobile | None = None
    note: Note = ""


class RecapRequest(RequestModel):
    document_type: DocumentType


# --- dossiers ------------------------------------------------------------------------------


@dossiers.post(
    "", status_code=201, response_model=DossierPublic, responses=answers_with_position(201)
)
async def register(
    body: RegistrationRequest, officer: FrontOffice, context: ContextDep
) -> Response:
    """Register a citizen's document for home delivery (checked against the registry)."""
    registration = Registration(**body.model_dump())
    events = await commands.register_document(context, officer, registration)
    response = json_response(queries.dossier_from_events(events), status_code=201)
    tell_position(response, events[-1].position)
    return response


SearchText = Annotated[str | None, Query(max_length=SEARCH_MAX)]


@dossiers.get("", response_model=Page[DossierPublic])
async def list_dossiers(
    officer: Reader,
    session: SessionDep,
    context: ContextDep,
    status: DossierStatus | None = None,
    document_type: DocumentType | None = None,
    q: Annotated[
        str | None,
        Query(
            max_length=SEARCH_MAX,
            description="a NIK, a document number or words of a name (whole words, any order)",
        ),
    ] = None,
    nik: SearchText = None,
    name: SearchText = None,
    document_number: SearchText = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[DossierPublic]:
    """List dossiers, oldest first, by status and type; find them by NIK, name or number."""
    after = cursor_value(cursor, SORT_KEY)
    search = search_terms(
        context.blind_index,
        officer.office,
        q=q,
        nik=nik,
        name=name,
        document_number=document_number,
    )
    wanted = queries.DossierQuery(
        office=officer.office,
        status=status,
        document_type=document_type.value if document_type else None,
        after=after,
        limit=limit,
        search=search,
    )
    return await queries.dossiers_page(session, wanted)


@dossiers.get("/{dossier_id}", response_model=DossierPublic)
async def get_dossier(dossier_id: uuid.UUID, officer: Reader, session: SessionDep) -> DossierPublic:
    """One dossier with its place in the lifecycle."""
    return await queries.dossier(session, officer.office, dossier_id)


@dossiers.post(
    "/{dossier_id}/flags",
    status_code=201,
    response_model=FlagPublic,
    responses=answers_with_position(201),
)
async def flag(
    dossier_id: uuid.UUID,
    body: FlagRequest,
    officer: FrontOffice,
    context: ContextDep,
    response: Response,
) -> FlagPublic:
    """Hold a dossier back until the responsible division has put it right."""
    event = await commands.flag_dossier(context, officer, dossier_id, body.reason, body.note)
    tell_position(response, event.position)
    return queries.flag_from_event(event, DossierStatus.FLAGGED)


@dossiers.post(
    "/{dossier_id}/flags/resolve", response_model=FlagPublic, responses=answers_with_position()
)
async def resolve(
    dossier_id: uuid.UUID,
    body: ResolveRequest,
    officer: FrontOffice,
    context: ContextDep,
    response: Response,
) -> FlagPublic:
    """Release a flagged dossier: the division has put it right, it may go out."""
    event = await commands.resolve_flag(context, officer, dossier_id, body.note)
    tell_position(response, event.position)
    return queries.flag_from_event(event, DossierStatus.REGISTERED)


@dossiers.get(
    "/{dossier_id}/receipt.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def get_receipt_pdf(dossier_id: uuid.UUID, officer: Reader, context: ContextDep) -> Response:
    """The applicant's Tanda Terima (PDF): the tracking code and a QR code of its page."""
    async with context.sessions() as session:
        row = await queries.dossier_row(session, officer.office, dossier_id)
    if row is None:
        raise NotFound(f"there is no dossier {dossier_id}")
    if row.tracking_code is None:
        raise Conflict(
            f"dossier {dossier_id} has no tracking code: it was registered before tracking "
            "codes existed, or its personal data was erased"
        )
    link = context.settings.tracking_link(row.tracking_code)
    letterhead = context.settings.letterhead(officer.office)
    content = await asyncio.to_thread(receipt_pdf, letterhead, row, link)
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="tanda-terima-{dossier_id}.pdf"'},
    )


@dossiers.post(
    "/{dossier_id}/corrections",
    status_code=201,
    response_model=CorrectionPublic,
    responses=answers_with_position(201),
)
async def correct(
    dossier_id: uuid.UUID,
    body: CorrectionRequest,
    officer: FrontOffice,
    context: ContextDep,
    response: Response,
) -> CorrectionPublic:
    """Correct a dossier flagged DATA_ENTRY_ERROR (name, address, phone) and release it."""
    correction = Correction(**body.model_dump())
    events = await commands.correct_dossier(context, officer, dossier_id, correction)
    tell_position(response, events[-1].position)
    return queries.correction_from_events(events)


# --- recaps --------------------------------------------------------------------------------


@recaps.post("", status_code=201, response_model=RecapPublic, responses=answers_with_position(201))
async def compile_recap(
    body: RecapRequest, officer: FrontOffice, context: ContextDep, response: Response
) -> RecapPublic:
    """Compile the recap list of every waiting dossier of one document type."""
    event = await commands.compile_recap(context, officer, body.document_type)
    tell_position(response, event.position)
    async with context.sessions() as session:
        number = await queries.recap_number_for(
            session, officer.office, body.document_type.value, event.version, event.occurred_at
        )
    return queries.recap_from_event(event, number)


@recaps.get("/{recap_id}", response_model=RecapPublic)
async def get_recap(recap_id: uuid.UUID, officer: Reader, session: SessionDep) -> RecapPublic:
    """One recap list: its document type, dossiers, and who compiled it when."""
    return await queries.recap(session, officer.office, recap_id)


@recaps.get(
    "/{recap_id}/pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def get_recap_pdf(recap_id: uuid.UUID, officer: Reader, context: ContextDep) -> Response:
    """The printable Daftar Rekapan of one recap list (PDF)."""
    content, number = await printed_recap(context, officer.office, recap_id)
    filename = re.sub(r"[^A-Za-z0-9]+", "-", number or str(recap_id)).strip("-")
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="rekapan-{filename}.pdf"'},
    )
