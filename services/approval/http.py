"""HTTP routes of the approval desk: recaps awaiting a letter, drafting, signing, rejecting,
and the printable Surat Pengantar."""

import asyncio
import re
from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel

from services.approval import handlers, queries
from services.approval.domain import Letter, LetterStatus
from services.approval.paper import surat_pengantar
from services.approval.projections import ApprovalLetter
from services.approval.queries import RecapStatus, RecapView
from shared.errors import Unprocessable
from shared.events import Actor
from shared.http.deps import ContextDep, SessionDep, requires
from shared.http.openapi import also_answers
from shared.http.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, decode_cursor, encode_cursor
from shared.http.positions import READS_AFTER, answers_with_position, tell_position
from shared.http.requests import RequestModel
from shared.identity import Officer
from shared.masking import mask_document_number, mask_phone
from shared.validation import Reason
from shared.vocabulary import Role
from shared.wib import as_utc, wib_iso

Reader = Annotated[Officer, Depends(requires(Role.KASUBBAG_UMUM, Role.SEKRETARIS, Role.AUDITOR))]
Kasubbag = Annotated[Officer, Depends(requires(Role.KASUBBAG_UMUM))]
Sekretaris = Annotated[Officer, Depends(requires(Role.SEKRETARIS))]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]

SORT_KEY = re.compile(r"\d{16}-\d{10}")

router = APIRouter(tags=["approval"], dependencies=[READS_AFTER])


class DraftLetter(RequestModel):
    recap_id: UUID


class RejectLetter(RequestModel):
    reason: Reason


class OfficerOut(BaseModel):
    officer_id: str
    name: str


class LetterOut(BaseModel):
    letter_id: UUID
    letter_number: str
    recap_id: UUID
    status: LetterStatus
    drafted_by: OfficerOut | None
    drafted_at: str | None
    signed_by: OfficerOut | None = None
    signed_at: str | None = None
    rejected_by: OfficerOut | None = None
    rejected_at: str | None = None
    reason: str | None = None

    @classmethod
    def of(cls, letter: Letter) -> "LetterOut":
        return cls(
            letter_id=letter.letter_id,
            letter_number=letter.letter_number,
            recap_id=letter.recap_id,
            status=letter.status,
            drafted_by=_officer(letter.drafted_by),
            drafted_at=_at(letter.drafted_at),
            signed_by=_officer(letter.signed_by),
            signed_at=_at(letter.signed_at),
            rejected_by=_officer(letter.rejected_by),
            rejected_at=_at(letter.rejected_at),
            reason=letter.reason,
        )

    @classmethod
    def of_row(cls, row: ApprovalLetter) -> "LetterOut":
        def officer(officer_id: str | None, name: str | None) -> OfficerOut | None:
            return OfficerOut(officer_id=officer_id, name=name or "") if officer_id else None

        return cls(
            letter_id=row.letter_id,
            letter_number=row.letter_number,
            recap_id=row.recap_id,
            status=LetterStatus(row.status),
            drafted_by=officer(row.drafted_by_id, row.drafted_by_name),
            drafted_at=_at(row.drafted_at),
            signed_by=officer(row.signed_by_id, row.signed_by_name),
            signed_at=_at(row.signed_at),
            rejected_by=officer(row.rejected_by_id, row.rejected_by_name),
            rejected_at=_at(row.rejected_at),
            reason=row.reason,
        )


class DocumentOut(BaseModel):
    """A document of the recap list: no NIK, and the phone masked (the courier's paper and
    manifest carry it whole)."""

    dossier_id: UUID
    name: str | None
    address: str | None
    phone: str | None
    document_type: str | None
    document_number: str | None


class RecapOut(BaseModel):
    recap_id: UUID
    document_type: str
    status: RecapStatus
    compiled_at: str
    compiled_by: str
    letter_id: UUID | None
    letter_number: str | None
    documents: list[DocumentOut]

    @classmethod
    def of(cls, view: RecapView) -> "RecapOut":
        return cls(
            recap_id=view.recap.recap_id,
            document_type=view.recap.document_type,
            status=view.status,
            compiled_at=wib_iso(as_utc(view.recap.compiled_at)),
            compiled_by=view.recap.compiled_by,
            letter_id=view.letter.letter_id if view.letter else None,
            letter_number=view.letter.letter_number if view.letter else None,
            documents=[
                DocumentOut(
                    dossier_id=dossier_id,
                    name=d.name if d else None,
                    address=d.address if d else None,
                    phone=mask_phone(d.phone) if d else None,
                    document_type=d.document_type if d else None,
                    document_number=mask_document_number(d.document_number) if d else None,
                )
                for dossier_id, d in view.documents
            ],
        )


def _after(cursor: str | None) -> str | None:
    """The sort key a cursor of ours carries (a cursor is not something to forge)."""
    after = decode_cursor(cursor)
    if after is not None and not SORT_KEY.fullmatch(after):
        raise Unprocessable.field("cursor", "not a cursor this service gave out")
    return after


def _officer(actor: Actor | None) -> OfficerOut | None:
    return OfficerOut(officer_id=actor.officer_id, name=actor.name) if actor else None


def _at(moment: datetime | None) -> str | None:
    return wib_iso(as_utc(moment)) if moment else None


@router.get("/recaps")
async def list_recaps(
    officer: Reader,
    session: SessionDep,
    status: RecapStatus | None = None,
    cursor: str | None = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[RecapOut]:
    """Recaps by letter status (AWAITING_LETTER: no letter, or every letter rejected)."""
    views, after = await queries.recaps_page(session, officer.office, status, _after(cursor), limit)
    return Page(items=[RecapOut.of(v) for v in views], next=encode_cursor(after) if after else None)


@router.post(
    "/letters", status_code=201, responses={**also_answers(404), **answers_with_position(201)}
)
async def draft_letter(
    body: DraftLetter, officer: Kasubbag, context: ContextDep, response: Response
) -> LetterOut:
    """Draft the cover letter of a recap; it gets the next number of the year's register."""
    drafted = await handlers.draft_letter_for_recap(context, officer, body.recap_id)
    tell_position(response, drafted.position)
    return LetterOut.of(drafted.result)


@router.get("/letters")
async def list_letters(
    officer: Reader,
    session: SessionDep,
    status: LetterStatus | None = None,
    cursor: str | None = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[LetterOut]:
    """Letters in register order, optionally by status (AWAITING_SIGNATURE, SIGNED, REJECTED)."""
    rows, after = await queries.letters_page(session, officer.office, status, _after(cursor), limit)
    return Page(
        items=[LetterOut.of_row(r) for r in rows], next=encode_cursor(after) if after else None
    )


@router.get("/letters/{letter_id}")
async def get_letter(letter_id: UUID, officer: Reader, context: ContextDep) -> LetterOut:
    """One letter, read from the log (current the moment it is written)."""
    letter, _version = await handlers.load_letter(context.log_for(officer.office), letter_id)
    return LetterOut.of(letter)


@router.get(
    "/letters/{letter_id}/pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def letter_pdf(
    letter_id: UUID, officer: Reader, context: ContextDep, session: SessionDep
) -> Response:
    """The printable Surat Pengantar with its recap list, signed or not (or rejected)."""
    letter, _version = await handlers.load_letter(context.log_for(officer.office), letter_id)
    view = await queries.recap_view(session, officer.office, letter.recap_id)
    document_type = view.recap.document_type if view else ""
    documents = view.documents if view else []
    pdf = await asyncio.to_thread(surat_pengantar, letter, officer.office, document_type, documents)
    filename = re.sub(r"[^A-Za-z0-9]+", "-", letter.letter_number).strip("-")
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="surat-pengantar-{filename}.pdf"'},
    )


@router.post("/letters/{letter_id}/sign", responses=answers_with_position())
async def sign_letter(
    letter_id: UUID, officer: Sekretaris, context: ContextDep, response: Response
) -> LetterOut:
    """Sign a letter awaiting signature; the recap may then go to the courier."""
    signed = await handlers.sign(context, officer, letter_id)
    tell_position(response, signed.position)
    return LetterOut.of(signed.result)


@router.post("/letters/{letter_id}/reject", responses=answers_with_position())
async def reject_letter(
    letter_id: UUID,
    body: RejectLetter,
    officer: Sekretaris,
    context: ContextDep,
    response: Response,
) -> LetterOut:
    """Reject a letter awaiting signature, saying why; the recap may be drafted again."""
    rejected = await handlers.reject(context, officer, letter_id, body.reason)
    tell_position(response, rejected.position)
    return LetterOut.of(rejected.result)
