"""The FO desk's HTTP routes: registration, flags, the dossier list and recap lists."""

import asyncio
import re
import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, Field

from services.intake import handlers
from services.intake.domain import Registration
from services.intake.read_model import (
    IntakeDossier,
    IntakeRecap,
    dossier_row,
    dossiers_page,
    recap_row,
)
from services.intake.recap_paper import recap_pdf
from shared.errors import NotFound, Unprocessable
from shared.events import DocumentFlagged, Envelope
from shared.http.deps import ContextDep, SessionDep, requires
from shared.http.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, decode_cursor, encode_cursor
from shared.http.positions import READS_AFTER, answers_with_position, tell_position
from shared.http.requests import RequestModel
from shared.http.responses import json_response
from shared.identity import Officer
from shared.masking import mask_document_number, mask_nik
from shared.validation import Address, DocumentNumber, IndonesianMobile, Nik, Note, PersonName
from shared.vocabulary import DocumentType, DossierStatus, FlagReason, Role
from shared.wib import as_utc, to_wib

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


class RecapRequest(RequestModel):
    document_type: DocumentType


class OfficerPublic(BaseModel):
    officer_id: str
    name: str


class DossierPublic(BaseModel):
    dossier_id: uuid.UUID
    status: DossierStatus
    nik: str = Field(description="masked: region (first 6) and serial (last 4) only")
    name: str
    address: str
    phone: str
    document_type: DocumentType
    document_number: str
    flagged: bool
    flag_reason: FlagReason | None = None
    flag_note: str | None = None
    recap_id: uuid.UUID | None = None
    letter_id: uuid.UUID | None = None
    letter_number: str | None = None
    registered_at: datetime
    registered_by: OfficerPublic
    updated_at: datetime


class FlagPublic(BaseModel):
    dossier_id: uuid.UUID
    status: DossierStatus
    flag_reason: FlagReason | None
    note: str
    at: datetime
    by: OfficerPublic


class RecapPublic(BaseModel):
    recap_id: uuid.UUID
    document_type: DocumentType
    dossier_ids: list[uuid.UUID]
    compiled_at: datetime
    compiled_by: OfficerPublic


def _dossier_from_row(row: IntakeDossier) -> DossierPublic:
    return DossierPublic(
        dossier_id=row.dossier_id,
        status=DossierStatus(row.status),
        nik=mask_nik(row.nik),
        name=row.name,
        address=row.address,
        phone=row.phone,
        document_type=DocumentType(row.document_type),
        document_number=mask_document_number(row.document_number),
        flagged=row.status == DossierStatus.FLAGGED,
        flag_reason=FlagReason(row.flag_reason) if row.flag_reason else None,
        flag_note=row.flag_note,
        recap_id=row.recap_id,
        letter_id=row.letter_id,
        letter_number=row.letter_number,
        registered_at=to_wib(as_utc(row.registered_at)),
        registered_by=OfficerPublic(officer_id=row.registered_by_id, name=row.registered_by_name),
        updated_at=to_wib(as_utc(row.updated_at)),
    )


def _dossier_from_events(events: list[Envelope]) -> DossierPublic:
    registered: Any = events[0].data
    flag = next((e.data for e in events if isinstance(e.data, DocumentFlagged)), None)
    actor = events[0].actor
    return DossierPublic(
        dossier_id=registered.dossier_id,
        status=DossierStatus.FLAGGED if flag else DossierStatus.REGISTERED,
        nik=mask_nik(registered.nik),
        name=registered.name,
        address=registered.address,
        phone=registered.phone,
        document_type=registered.document_type,
        document_number=mask_document_number(registered.document_number),
        flagged=flag is not None,
        flag_reason=flag.reason if flag else None,
        flag_note=flag.note if flag else None,
        registered_at=to_wib(events[0].occurred_at),
        registered_by=OfficerPublic(officer_id=actor.officer_id, name=actor.name),
        updated_at=to_wib(events[-1].occurred_at),
    )


def _flag_from_event(event: Envelope, status: DossierStatus) -> FlagPublic:
    data: Any = event.data
    return FlagPublic(
        dossier_id=data.dossier_id,
        status=status,
        flag_reason=getattr(data, "reason", None),
        note=data.note,
        at=to_wib(event.occurred_at),
        by=OfficerPublic(officer_id=event.actor.officer_id, name=event.actor.name),
    )


def _recap_public(row: IntakeRecap) -> RecapPublic:
    return RecapPublic(
        recap_id=row.recap_id,
        document_type=DocumentType(row.document_type),
        dossier_ids=row.dossier_id_list(),
        compiled_at=to_wib(as_utc(row.compiled_at)),
        compiled_by=OfficerPublic(officer_id=row.compiled_by_id, name=row.compiled_by_name),
    )


# --- dossiers ------------------------------------------------------------------------------


@dossiers.post(
    "", status_code=201, response_model=DossierPublic, responses=answers_with_position(201)
)
async def register(
    body: RegistrationRequest, officer: FrontOffice, context: ContextDep
) -> Response:
    """Register a citizen's document for home delivery (checked against the registry)."""
    registration = Registration(**body.model_dump())
    events = await handlers.register_document(context, officer, registration)
    response = json_response(_dossier_from_events(events), status_code=201)
    tell_position(response, events[-1].position)
    return response


@dossiers.get("", response_model=Page[DossierPublic])
async def list_dossiers(
    officer: Reader,
    session: SessionDep,
    status: DossierStatus | None = None,
    document_type: DocumentType | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[DossierPublic]:
    """List dossiers, oldest registration first, by status and document type."""
    after = decode_cursor(cursor)
    if after is not None and not SORT_KEY.fullmatch(after):
        raise Unprocessable.field("cursor", "not a cursor this service gave out")
    rows, more = await dossiers_page(
        session,
        office=officer.office,
        status=status,
        document_type=document_type.value if document_type else None,
        after=after,
        limit=limit,
    )
    return Page(
        items=[_dossier_from_row(row) for row in rows],
        next=encode_cursor(rows[-1].sort_key) if more else None,
    )


@dossiers.get("/{dossier_id}", response_model=DossierPublic)
async def get_dossier(dossier_id: uuid.UUID, officer: Reader, session: SessionDep) -> DossierPublic:
    """One dossier with its place in the lifecycle."""
    row = await dossier_row(session, officer.office, dossier_id)
    if row is None:
        raise NotFound(f"there is no dossier {dossier_id}")
    return _dossier_from_row(row)


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
    event = await handlers.flag_dossier(context, officer, dossier_id, body.reason, body.note)
    tell_position(response, event.position)
    return _flag_from_event(event, DossierStatus.FLAGGED)


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
    event = await handlers.resolve_flag(context, officer, dossier_id, body.note)
    tell_position(response, event.position)
    return _flag_from_event(event, DossierStatus.REGISTERED)


# --- recaps --------------------------------------------------------------------------------


@recaps.post("", status_code=201, response_model=RecapPublic, responses=answers_with_position(201))
async def compile_recap(
    body: RecapRequest, officer: FrontOffice, context: ContextDep, response: Response
) -> RecapPublic:
    """Compile the recap list of every waiting dossier of one document type."""
    event = await handlers.compile_recap(context, officer, body.document_type)
    tell_position(response, event.position)
    data: Any = event.data
    return RecapPublic(
        recap_id=data.recap_id,
        document_type=data.document_type,
        dossier_ids=list(data.dossier_ids),
        compiled_at=to_wib(event.occurred_at),
        compiled_by=OfficerPublic(officer_id=event.actor.officer_id, name=event.actor.name),
    )


async def _recap_row(session: SessionDep, office: str, recap_id: uuid.UUID) -> IntakeRecap:
    row = await recap_row(session, office, recap_id)
    if row is None:
        raise NotFound(f"there is no recap list {recap_id}")
    return row


@recaps.get("/{recap_id}", response_model=RecapPublic)
async def get_recap(recap_id: uuid.UUID, officer: Reader, session: SessionDep) -> RecapPublic:
    """One recap list: its document type, dossiers, and who compiled it when."""
    return _recap_public(await _recap_row(session, officer.office, recap_id))


@recaps.get(
    "/{recap_id}/pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def get_recap_pdf(recap_id: uuid.UUID, officer: Reader, context: ContextDep) -> Response:
    """The printable Daftar Rekapan of one recap list (PDF)."""
    office = officer.office
    async with context.sessions() as session:
        recap = await _recap_row(session, office, recap_id)
        rows = [await dossier_row(session, office, d) for d in recap.dossier_id_list()]
    content = await asyncio.to_thread(
        recap_pdf, office, recap, [row for row in rows if row is not None]
    )
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="rekapan-{recap_id}.pdf"'},
    )
