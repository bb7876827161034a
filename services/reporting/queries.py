"""What the reporting service reads and answers: the control card of a file, the delivery,
undelivered and delay reports, and pages of the audit archive. Each of one office only: the
reader's."""

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

import orjson
from pydantic import BaseModel, Field
from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.reporting.archive import ArchivedEvent, Checkpoint
from services.reporting.domain import (
    DeliveryCounts,
    Period,
    is_late,
    median,
    percentile,
)
from services.reporting.projections import (
    ReportingAttempt,
    ReportingDossier,
    ReportingLetter,
    ReportingRecap,
    ReportingStep,
)
from shared.db import keyset_page
from shared.errors import NotFound
from shared.masking import mask_document_number, mask_nik
from shared.officers.sign_ins import SecurityRecord
from shared.vocabulary import DocumentType, DossierStatus
from shared.wib import as_utc, to_wib, wib_iso


class CardStepPublic(BaseModel):
    sop_step: int = Field(description="the SOP activity, 1 to 5")
    event: str
    role: str
    officer_id: str
    officer_name: str
    at: str = Field(description="WIB, ISO 8601 with +07:00")
    elapsed_seconds: float | None = Field(description="since the previous step; null first")
    standard_seconds: int
    late: bool
    reason: str | None = Field(
        default=None,
        description="a flag's or a return's reason, or the fields a correction changed",
    )
    note: str | None = Field(
        default=None,
        description="the officer's words: a note, a rejection's reason, what a redraft fixed",
    )


class CardAttemptPublic(BaseModel):
    """A failed delivery attempt (SOP step 4): when, why, and by which courier."""

    attempt: int
    reason: str
    note: str
    officer_id: str
    officer_name: str
    at: str = Field(description="WIB, ISO 8601 with +07:00")


class ControlCardPublic(BaseModel):
    dossier_id: str
    document_type: str
    document_number: str
    nik: str = Field(description="masked for every reader but the auditor")
    name: str
    status: str
    steps: list[CardStepPublic]
    attempts: list[CardAttemptPublic] = Field(default_factory=list)


class PeriodPublic(BaseModel):
    start: str | None = Field(default=None, serialization_alias="from")
    end: str | None = Field(default=None, serialization_alias="to")


class CountsPublic(BaseModel):
    registered: int = 0
    in_progress: int = 0
    delivered: int = 0
    returned: int = 0
    received_back: int = 0
    failed_attempts: int = Field(default=0, description="failed delivery attempts recorded")


class DeliveryReportPublic(BaseModel):
    period: PeriodPublic
    by_document_type: dict[str, CountsPublic]
    totals: CountsPublic


class UndeliveredDocumentPublic(BaseModel):
    dossier_id: str
    document_type: str
    document_number: str
    name: str
    nik: str
    letter_number: str | None
    reason: str
    note: str
    returned_at: str
    received_back: bool
    received_back_at: str | None


class DelayFiguresPublic(BaseModel):
    sop_step: int
    standard_seconds: int
    count: int
    median_seconds: float | None
    p90_seconds: float | None
    late: int


class OfficerDelayPublic(DelayFiguresPublic):
    officer_id: str
    officer_name: str
    role: str


class CourierAttemptsPublic(BaseModel):
    """The failed delivery attempts one courier recorded in the period, by reason."""

    officer_id: str
    officer_name: str
    failed_attempts: int
    by_reason: dict[str, int]


class DelayReportPublic(BaseModel):
    period: PeriodPublic
    by_step: list[DelayFiguresPublic]
    by_officer: list[OfficerDelayPublic]
    attempts: list[CourierAttemptsPublic] = Field(default_factory=list)


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


def period_public(period: Period) -> PeriodPublic:
    return PeriodPublic(
        start=wib_iso(period.start) if period.start else None,
        end=wib_iso(period.end) if period.end else None,
    )


async def control_card_for(
    session: AsyncSession,
    office: str,
    dossier_id: str,
    standards: dict[int, int],
    reveal_nik: bool,
) -> ControlCardPublic:
    # One statement, so one snapshot: read apart, the archivist could commit a step between
    # the dossier and its steps, and the card would show a status its steps do not.
    query = (
        select(ReportingDossier, ReportingStep)
        .join(
            ReportingStep,
            (col(ReportingStep.office) == col(ReportingDossier.office))
            & (col(ReportingStep.dossier_id) == col(ReportingDossier.dossier_id)),
            isouter=True,
        )
        .where(ReportingDossier.office == office, ReportingDossier.dossier_id == dossier_id)
        .order_by(col(ReportingStep.seq))
    )
    rows = (await session.exec(query)).all()
    if not rows:
        raise NotFound(f"no dossier {dossier_id} on record")
    dossier = rows[0][0]
    steps = [
        CardStepPublic(
            sop_step=step.sop_step,
            event=step.event,
            role=step.role,
            officer_id=step.officer_id,
            officer_name=step.officer_name,
            at=wib_iso(step.at),
            elapsed_seconds=step.elapsed_seconds,
            standard_seconds=standards[step.sop_step],
            late=is_late(step.elapsed_seconds, standards[step.sop_step]),
            reason=step.reason,
            note=step.note,
        )
        for _, step in rows
        if step is not None
    ]
    attempts = await session.exec(
        select(ReportingAttempt)
        .where(ReportingAttempt.office == office, ReportingAttempt.dossier_id == dossier_id)
        .order_by(col(ReportingAttempt.attempt))
    )
    return ControlCardPublic(
        attempts=[
            CardAttemptPublic(
                attempt=attempt.attempt,
                reason=attempt.reason,
                note=attempt.note,
                officer_id=attempt.officer_id,
                officer_name=attempt.officer_name,
                at=wib_iso(attempt.at),
            )
            for attempt in attempts.all()
        ],
        dossier_id=dossier.dossier_id,
        document_type=dossier.document_type,
        document_number=dossier.document_number
        if reveal_nik
        else mask_document_number(dossier.document_number),
        nik=dossier.nik if reveal_nik else mask_nik(dossier.nik),
        name=dossier.name,
        status=dossier.status,
        steps=steps,
    )


async def delivery_report(
    session: AsyncSession, office: str, period: Period
) -> DeliveryReportPublic:
    """Documents registered in the period, by type and by where they are now."""
    query = (
        select(ReportingDossier.document_type, ReportingDossier.status, func.count())
        .where(ReportingDossier.office == office)
        .group_by(col(ReportingDossier.document_type), col(ReportingDossier.status))
    )
    if period.start:
        query = query.where(ReportingDossier.registered_at >= period.start)
    if period.end:
        query = query.where(ReportingDossier.registered_at < period.end)
    by_type = {document_type.value: DeliveryCounts() for document_type in DocumentType}
    for document_type, status, dossiers in (await session.exec(query)).all():
        counts = DeliveryCounts.of(DossierStatus(status), int(dossiers))
        by_type[document_type] = by_type.get(document_type, DeliveryCounts()).plus(counts)
    attempts = (
        select(ReportingDossier.document_type, func.count())
        .join(
            ReportingAttempt,
            (col(ReportingAttempt.office) == col(ReportingDossier.office))
            & (col(ReportingAttempt.dossier_id) == col(ReportingDossier.dossier_id)),
        )
        .where(ReportingDossier.office == office)
        .group_by(col(ReportingDossier.document_type))
    )
    if period.start:
        attempts = attempts.where(ReportingDossier.registered_at >= period.start)
    if period.end:
        attempts = attempts.where(ReportingDossier.registered_at < period.end)
    for document_type, failed in (await session.exec(attempts)).all():
        tried = DeliveryCounts(failed_attempts=int(failed))
        by_type[document_type] = by_type.get(document_type, DeliveryCounts()).plus(tried)
    totals = DeliveryCounts()
    for counts in by_type.values():
        totals = totals.plus(counts)
    return DeliveryReportPublic(
        period=period_public(period),
        by_document_type={name: CountsPublic(**_fields(c)) for name, c in by_type.items()},
        totals=CountsPublic(**_fields(totals)),
    )


def _fields(counts: DeliveryCounts) -> dict[str, int]:
    return {name: getattr(counts, name) for name in CountsPublic.model_fields}


async def undelivered_documents(
    session: AsyncSession, office: str, after: int | None, limit: int, reveal_nik: bool
) -> tuple[list[UndeliveredDocumentPublic], int | None]:
    """Daftar dokumen yang belum diserahkan: what came back, oldest return first."""
    query = (
        select(ReportingDossier)
        .where(ReportingDossier.office == office)
        .where(col(ReportingDossier.returned_seq).is_not(None))
        .where(
            col(ReportingDossier.status).in_(
                [DossierStatus.RETURNED.value, DossierStatus.RECEIVED_BACK.value]
            )
        )
    )
    rows, more = await keyset_page(session, query, col(ReportingDossier.returned_seq), after, limit)
    items = [
        UndeliveredDocumentPublic(
            dossier_id=row.dossier_id,
            document_type=row.document_type,
            document_number=row.document_number
            if reveal_nik
            else mask_document_number(row.document_number),
            name=row.name,
            nik=row.nik if reveal_nik else mask_nik(row.nik),
            letter_number=row.letter_number,
            reason=row.returned_reason or "",
            note=row.returned_note or "",
            returned_at=wib_iso(row.returned_at) if row.returned_at else "",
            received_back=row.received_back_at is not None,
            received_back_at=wib_iso(row.received_back_at) if row.received_back_at else None,
        )
        for row in rows
    ]
    return items, (rows[-1].returned_seq if more and rows else None)


async def delay_report(
    session: AsyncSession, office: str, period: Period, standards: dict[int, int]
) -> DelayReportPublic:
    """Where files waited and with whom: per SOP step and per officer who did the step."""
    query = sa_select(
        col(ReportingStep.sop_step),
        col(ReportingStep.officer_id),
        col(ReportingStep.officer_name),
        col(ReportingStep.role),
        col(ReportingStep.elapsed_seconds),
    ).where(col(ReportingStep.office) == office, col(ReportingStep.elapsed_seconds).is_not(None))
    if period.start:
        query = query.where(col(ReportingStep.at) >= period.start)
    if period.end:
        query = query.where(col(ReportingStep.at) < period.end)
    by_step: dict[int, list[float]] = defaultdict(list)
    by_officer: dict[tuple[int, str], list[float]] = defaultdict(list)
    who: dict[tuple[int, str], tuple[str, str]] = {}
    for sop_step, officer_id, officer_name, role, elapsed in (await session.execute(query)).all():
        by_step[sop_step].append(float(elapsed))
        by_officer[(sop_step, officer_id)].append(float(elapsed))
        who[(sop_step, officer_id)] = (officer_name, role)
    step_figures = [
        _figures(step, values, standards[step]) for step, values in sorted(by_step.items())
    ]
    officer_figures = [
        OfficerDelayPublic(
            **_figures(step, values, standards[step]).model_dump(),
            officer_id=officer_id,
            officer_name=who[(step, officer_id)][0],
            role=who[(step, officer_id)][1],
        )
        for (step, officer_id), values in by_officer.items()
    ]
    officer_figures.sort(key=lambda f: (f.sop_step, -f.late, f.officer_name, f.officer_id))
    return DelayReportPublic(
        period=period_public(period),
        by_step=step_figures,
        by_officer=officer_figures,
        attempts=await _attempts_by_courier(session, office, period),
    )


async def _attempts_by_courier(
    session: AsyncSession, office: str, period: Period
) -> list[CourierAttemptsPublic]:
    query = (
        select(
            ReportingAttempt.officer_id,
            ReportingAttempt.officer_name,
            ReportingAttempt.reason,
            func.count(),
        )
        .where(ReportingAttempt.office == office)
        .group_by(
            col(ReportingAttempt.officer_id),
            col(ReportingAttempt.officer_name),
            col(ReportingAttempt.reason),
        )
    )
    if period.start:
        query = query.where(ReportingAttempt.at >= period.start)
    if period.end:
        query = query.where(ReportingAttempt.at < period.end)
    couriers: dict[str, CourierAttemptsPublic] = {}
    for officer_id, officer_name, reason, count in (await session.exec(query)).all():
        courier = couriers.setdefault(
            officer_id,
            CourierAttemptsPublic(
                officer_id=officer_id, officer_name=officer_name, failed_attempts=0, by_reason={}
            ),
        )
        courier.failed_attempts += int(count)
        courier.by_reason[reason] = courier.by_reason.get(reason, 0) + int(count)
    return sorted(couriers.values(), key=lambda c: (-c.failed_attempts, c.officer_name))


def _figures(step: int, values: list[float], standard: int) -> DelayFiguresPublic:
    return DelayFiguresPublic(
        sop_step=step,
        standard_seconds=standard,
        count=len(values),
        median_seconds=median(values),
        p90_seconds=percentile(values, 0.9),
        late=sum(is_late(value, standard) for value in values),
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
