"""The audit's reads: pages of the archive, the last signed checkpoint, a verification's
answer, the office's sign-ins, and the public check of a printed cover letter."""

from datetime import UTC, datetime
from typing import Any

import orjson
from pydantic import BaseModel, Field
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.reporting.archive import ArchivedEvent, Checkpoint
from services.reporting.projections import ReportingLetter, ReportingRecap
from shared.db import keyset_page
from shared.errors import NotFound
from shared.officers.sign_ins import SecurityRecord
from shared.wib import as_utc, to_wib, wib_iso


class ArchivedEventPublic(BaseModel):
    seq: int
    position: str
    chain_hash: str
    event: dict[str, Any]


class SignInPublic(BaseModel):
    """One entry of the office's security record: a sign-in, a failure, a lockout, a
    sign-out or sessions ended. `username` is null for a username no officer has."""

    position: str
    at: str = Field(description="in WIB")
    kind: str
    username: str | None
    officer_id: str | None
    address: str


async def sign_ins(
    record: SecurityRecord, before: str | None, limit: int
) -> tuple[list[SignInPublic], str | None]:
    """The newest entries first; the position to page on when there may be older ones."""
    entries = await record.latest(limit, before)
    items = [
        SignInPublic(
            position=e.position,
            at=wib_iso(datetime.fromtimestamp(e.at, UTC)),
            kind=e.kind.value,
            username=e.username,
            officer_id=e.officer_id,
            address=e.address,
        )
        for e in entries
    ]
    return items, (items[-1].position if len(items) == limit else None)


class CheckpointPublic(BaseModel):
    count: int = Field(description="events sealed by it")
    position: str = Field(description="the last of them")
    sealed_at: str = Field(description="in WIB")


class VerificationPublic(BaseModel):
    ok: bool
    events_checked: int
    first_bad_position: str | None
    problem: str | None
    kind: str | None = Field(
        default=None,
        description="changed, removed, inserted, reordered, archive_modified, "
        "checkpoint_forged, checkpoint_mismatch, checkpoint_missing or unreadable",
    )
    not_yet_archived: int = 0


class LetterVerificationPublic(BaseModel):
    """What anyone holding a printed cover letter may check against the log: nothing of a
    citizen, only the letter's own marks."""

    letter_id: str
    letter_number: str
    status: str = Field(description="SIGNED (valid), DRAFTED (not signed yet) or REJECTED")
    valid: bool
    signed_on: str | None = Field(description="the day it was signed, WIB (YYYY-MM-DD)")
    signed_by: str | None = Field(description="the Sekretaris who signed it")
    document_type: str
    document_count: int
    office: str


async def letter_verification(
    session: AsyncSession, letter_id: str
) -> LetterVerificationPublic | None:
    """A letter of any office this installation serves, as its paper can be checked."""
    query = (
        select(ReportingLetter, ReportingRecap)
        .join(
            ReportingRecap,
            (col(ReportingRecap.office) == col(ReportingLetter.office))
            & (col(ReportingRecap.recap_id) == col(ReportingLetter.recap_id)),
            isouter=True,
        )
        .where(ReportingLetter.letter_id == letter_id)
    )
    found = (await session.exec(query)).first()
    if found is None or found[0].letter_number is None:
        return None
    letter, recap = found
    signed = letter.status == "SIGNED" and letter.signed_at is not None
    return LetterVerificationPublic(
        letter_id=letter.letter_id,
        letter_number=letter.letter_number or "",
        status=letter.status,
        valid=signed,
        signed_on=to_wib(as_utc(letter.signed_at)).date().isoformat()
        if signed and letter.signed_at
        else None,
        signed_by=letter.signed_by_name if signed else None,
        document_type=recap.document_type if recap else "",
        document_count=len(orjson.loads(recap.dossier_ids)) if recap else 0,
        office=letter.office,
    )


async def archived_events(
    session: AsyncSession, office: str, after: str | None, limit: int
) -> tuple[list[ArchivedEventPublic], str | None]:
    """A page of one office's archive in log order, after the event at position `after`."""
    anchor = None
    if after is not None:
        at_position = select(ArchivedEvent.seq).where(
            ArchivedEvent.office == office, ArchivedEvent.position == after
        )
        anchor = (await session.exec(at_position)).first()
        if anchor is None:
            raise NotFound(f"no archived event at position {after}")
    query = select(ArchivedEvent).where(ArchivedEvent.office == office)
    rows, more = await keyset_page(session, query, col(ArchivedEvent.seq), anchor, limit)
    items = [
        ArchivedEventPublic(
            seq=row.seq,
            position=row.position,
            chain_hash=row.chain_hash,
            event=orjson.loads(row.body),
        )
        for row in rows
    ]
    return items, (rows[-1].position if more and rows else None)


async def last_checkpoint(session: AsyncSession, office: str) -> CheckpointPublic | None:
    """The office's latest signed checkpoint, or None before the first."""
    query = (
        select(Checkpoint)
        .where(Checkpoint.office == office)
        .order_by(col(Checkpoint.count).desc())
        .limit(1)
    )
    found = (await session.exec(query)).first()
    if found is None:
        return None
    return CheckpointPublic(
        count=found.count, position=found.position, sealed_at=wib_iso(as_utc(found.sealed_at))
    )
