"""What the reporting service reads and answers: the control card of a file, the delivery,
undelivered and delay reports, and pages of the audit archive. Each of one office only: the
reader's. One module each: `cards`, `reports`, `audit`."""

from services.reporting.queries.audit import (
    ArchivedEventPublic,
    CheckpointPublic,
    LetterVerificationPublic,
    SignInPublic,
    VerificationPublic,
    archived_events,
    last_checkpoint,
    letter_verification,
    sign_ins,
)
from services.reporting.queries.cards import (
    CardAttemptPublic,
    CardStepPublic,
    ControlCardPublic,
    control_card_for,
)
from services.reporting.queries.reports import (
    CountsPublic,
    CourierAttemptsPublic,
    DelayFiguresPublic,
    DelayReportPublic,
    DeliveryReportPublic,
    OfficerDelayPublic,
    PeriodPublic,
    UndeliveredDocumentPublic,
    delay_report,
    delivery_report,
    period_public,
    undelivered_documents,
)

__all__ = [
    "ArchivedEventPublic",
    "CardAttemptPublic",
    "CardStepPublic",
    "CheckpointPublic",
    "ControlCardPublic",
    "CountsPublic",
    "CourierAttemptsPublic",
    "DelayFiguresPublic",
    "DelayReportPublic",
    "DeliveryReportPublic",
    "LetterVerificationPublic",
    "OfficerDelayPublic",
    "PeriodPublic",
    "SignInPublic",
    "UndeliveredDocumentPublic",
    "VerificationPublic",
    "archived_events",
    "control_card_for",
    "delay_report",
    "delivery_report",
    "last_checkpoint",
    "letter_verification",
    "period_public",
    "sign_ins",
    "undelivered_documents",
]
