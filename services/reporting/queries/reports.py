"""The reports of one office over a period: the delivery report (counts by document type
and by where each file is now), the undelivered documents, and the delay report (per SOP
step, per officer, and the couriers' failed attempts)."""

from collections import defaultdict
from typing import Any, Protocol, Self, TypeVar

from pydantic import BaseModel, Field
from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.reporting.domain import DeliveryCounts, Period, is_late, median, percentile
from services.reporting.projections import ReportingAttempt, ReportingDossier, ReportingStep
from shared.db import keyset_page
from shared.masking import mask_document_number, mask_nik
from shared.vocabulary import DocumentType, DossierStatus
from shared.wib import wib_iso


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


class _Narrowed(Protocol):
    def where(self, *clauses: Any) -> Self: ...


Q = TypeVar("Q", bound=_Narrowed)


def _in_period(query: Q, moment: Any, period: Period) -> Q:
    """`query` narrowed to the rows whose `moment` falls in the period (its end left out)."""
    if period.start:
        query = query.where(moment >= period.start)
    if period.end:
        query = query.where(moment < period.end)
    return query


def period_public(period: Period) -> PeriodPublic:
    return PeriodPublic(
        start=wib_iso(period.start) if period.start else None,
        end=wib_iso(period.end) if period.end else None,
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
    query = _in_period(query, ReportingDossier.registered_at, period)
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
    attempts = _in_period(attempts, ReportingDossier.registered_at, period)
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
    query = _in_period(query, col(ReportingStep.at), period)
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
    query = _in_period(query, ReportingAttempt.at, period)
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
