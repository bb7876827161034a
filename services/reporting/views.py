"""What the reporting service answers: the control card, the reports and the audit pages."""

from typing import Any

from pydantic import BaseModel, Field


class CardStep(BaseModel):
    sop_step: int = Field(description="the SOP activity, 1 to 5")
    event: str
    role: str
    officer_id: str
    officer_name: str
    at: str = Field(description="WIB, ISO 8601 with +07:00")
    elapsed_seconds: float | None = Field(description="since the previous step; null first")
    standard_seconds: int
    late: bool


class ControlCard(BaseModel):
    dossier_id: str
    document_type: str
    document_number: str
    nik: str = Field(description="masked for every reader but the auditor")
    name: str
    status: str
    steps: list[CardStep]


class PeriodView(BaseModel):
    start: str | None = Field(default=None, serialization_alias="from")
    end: str | None = Field(default=None, serialization_alias="to")


class Counts(BaseModel):
    registered: int = 0
    in_progress: int = 0
    delivered: int = 0
    returned: int = 0
    received_back: int = 0


class DeliveryReport(BaseModel):
    period: PeriodView
    by_document_type: dict[str, Counts]
    totals: Counts


class UndeliveredDocument(BaseModel):
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


class DelayFigures(BaseModel):
    sop_step: int
    standard_seconds: int
    count: int
    median_seconds: float | None
    p90_seconds: float | None
    late: int


class OfficerDelay(DelayFigures):
    officer_id: str
    officer_name: str
    role: str


class DelayReport(BaseModel):
    period: PeriodView
    by_step: list[DelayFigures]
    by_officer: list[OfficerDelay]


class ArchivedEventView(BaseModel):
    seq: int
    position: str
    chain_hash: str
    event: dict[str, Any]


class VerificationView(BaseModel):
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
