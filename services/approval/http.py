"""HTTP routes of the approval desk: recaps awaiting a letter, drafting, signing, rejecting,
and the printable Surat Pengantar."""

import re
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response
from pydantic import Field

from services.approval import commands, queries
from services.approval.domain import LetterStatus
from services.approval.papers import printed_letter
from services.approval.queries import LetterPublic, RecapPublic, RecapStatus
from shared.http.deps import ContextDep, SessionDep, requires
from shared.http.openapi import also_answers
from shared.http.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, cursor_value
from shared.http.positions import READS_AFTER, answered, answers_with_position
from shared.http.requests import RequestModel
from shared.identity import Officer
from shared.validation import Reason
from shared.vocabulary import Role

Reader = Annotated[Officer, Depends(requires(Role.KASUBBAG_UMUM, Role.SEKRETARIS, Role.AUDITOR))]
Kasubbag = Annotated[Officer, Depends(requires(Role.KASUBBAG_UMUM))]
Sekretaris = Annotated[Officer, Depends(requires(Role.SEKRETARIS))]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]

SORT_KEY = re.compile(r"\d{16}-\d{10}")

router = APIRouter(tags=["approval"], dependencies=[READS_AFTER])


class DraftLetter(RequestModel):
    recap_id: UUID
    fix: Annotated[
        Reason | None,
        Field(description="after a rejection: what was fixed for the reason it was rejected"),
    ] = None


class RejectLetter(RequestModel):
    reason: Reason


def _after(cursor: str | None) -> str | None:
    """The sort key a cursor of ours carries."""
    return cursor_value(cursor, SORT_KEY)


@router.get("/recaps")
async def list_recaps(
    officer: Reader,
    session: SessionDep,
    status: RecapStatus | None = None,
    cursor: str | None = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[RecapPublic]:
    """Recaps by letter status (AWAITING_LETTER: no letter, or every letter rejected)."""
    return await queries.recaps_page(session, officer.office, status, _after(cursor), limit)


@router.post(
    "/letters", status_code=201, responses={**also_answers(404), **answers_with_position(201)}
)
async def draft_letter(
    body: DraftLetter, officer: Kasubbag, context: ContextDep, response: Response
) -> LetterPublic:
    """Draft the cover letter of a recap; it gets the next number of the year's register."""
    drafted = await commands.draft_letter_for_recap(context, officer, body.recap_id, body.fix)
    return LetterPublic.of(answered(response, drafted))


@router.get("/letters")
async def list_letters(
    officer: Reader,
    session: SessionDep,
    status: LetterStatus | None = None,
    cursor: str | None = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[LetterPublic]:
    """Letters in register order, optionally by status (AWAITING_SIGNATURE, SIGNED, REJECTED)."""
    return await queries.letters_page(session, officer.office, status, _after(cursor), limit)


@router.get("/letters/{letter_id}")
async def get_letter(letter_id: UUID, officer: Reader, context: ContextDep) -> LetterPublic:
    """One letter, read from the log (current the moment it is written)."""
    letter, _version = await commands.load_letter(context.log_for(officer.office), letter_id)
    return LetterPublic.of(letter)


@router.get(
    "/letters/{letter_id}/pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def letter_pdf(
    letter_id: UUID, officer: Reader, context: ContextDep, session: SessionDep
) -> Response:
    """The printable Surat Pengantar with its recap list, signed or not (or rejected)."""
    return await printed_letter(context, session, officer.office, letter_id)


@router.post("/letters/{letter_id}/sign", responses=answers_with_position())
async def sign_letter(
    letter_id: UUID, officer: Sekretaris, context: ContextDep, response: Response
) -> LetterPublic:
    """Sign a letter awaiting signature; the recap may then go to the courier."""
    return LetterPublic.of(answered(response, await commands.sign(context, officer, letter_id)))


@router.post("/letters/{letter_id}/reject", responses=answers_with_position())
async def reject_letter(
    letter_id: UUID,
    body: RejectLetter,
    officer: Sekretaris,
    context: ContextDep,
    response: Response,
) -> LetterPublic:
    """Reject a letter awaiting signature, saying why; the recap may be drafted again."""
    rejected = await commands.reject(context, officer, letter_id, body.reason)
    return LetterPublic.of(answered(response, rejected))
