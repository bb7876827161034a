"""A file's control card: each SOP step's officer, time in WIB, time since the step before,
standard and lateness, and the failed delivery attempts; the NIK and the document number
masked for every reader but the auditor."""

from pydantic import BaseModel, Field
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.reporting.domain import is_late
from services.reporting.projections import ReportingAttempt, ReportingDossier, ReportingStep
from shared.errors import NotFound
from shared.masking import mask_document_number, mask_nik
from shared.wib import wib_iso


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
