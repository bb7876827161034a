"""What the paper control card knows, as pure rules: which SOP step an event is, where it
leaves a dossier in the lifecycle, how late a step was, and the figures of the reports.
No I/O here."""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from shared.vocabulary import DOCUMENT_TYPE_NAMES, DossierStatus
from shared.wib import WIB

# The SOP's five activities (SOP.md) and the events that are their initials on the card.
SOP_STEP_OF_EVENT = {
    "DocumentRegistered": 1,
    "DocumentFlagged": 1,
    "FlagResolved": 1,
    "DossierCorrected": 1,
    "RecapCompiled": 1,
    "LetterDrafted": 2,
    "RejectionAddressed": 2,
    "LetterSigned": 3,
    "LetterRejected": 3,
    "HandoverAccepted": 4,
    "OutForDelivery": 4,
    "DeliveryAttemptFailed": 4,
    "Delivered": 4,
    "Returned": 5,
    "ReturnReceived": 5,
}

FINISHED = {DossierStatus.DELIVERED, DossierStatus.RETURNED, DossierStatus.RECEIVED_BACK}

DOCUMENT_NAMES = DOCUMENT_TYPE_NAMES  # one vocabulary: shared.vocabulary


def elapsed_seconds(previous: datetime | None, now: datetime) -> float | None:
    """Seconds since the dossier's previous step; None for its first step."""
    if previous is None:
        return None
    return (now - previous).total_seconds()


def is_late(elapsed: float | None, standard_seconds: int) -> bool:
    return elapsed is not None and elapsed > standard_seconds


def median(values: Sequence[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def percentile(values: Sequence[float], share: float) -> float | None:
    """Nearest-rank percentile: the smallest value at least `share` of the values reach."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True, slots=True)
class DeliveryCounts:
    registered: int = 0
    in_progress: int = 0
    delivered: int = 0
    returned: int = 0
    received_back: int = 0
    failed_attempts: int = 0

    @classmethod
    def of(cls, status: DossierStatus, dossiers: int = 1) -> "DeliveryCounts":
        """The counts of `dossiers` files that are all in `status`.

        `returned` counts every document the courier brought back; `received_back` is the
        part of those the Kasubbag Umum has taken in again."""
        return cls(
            registered=dossiers,
            in_progress=dossiers * (status not in FINISHED),
            delivered=dossiers * (status == DossierStatus.DELIVERED),
            returned=dossiers * (status in {DossierStatus.RETURNED, DossierStatus.RECEIVED_BACK}),
            received_back=dossiers * (status == DossierStatus.RECEIVED_BACK),
        )

    def plus(self, other: "DeliveryCounts") -> "DeliveryCounts":
        return DeliveryCounts(
            self.registered + other.registered,
            self.in_progress + other.in_progress,
            self.delivered + other.delivered,
            self.returned + other.returned,
            self.received_back + other.received_back,
            self.failed_attempts + other.failed_attempts,
        )


@dataclass(frozen=True, slots=True)
class Period:
    """A half-open span of time [start, end) in UTC; either end may be open."""

    start: datetime | None = None
    end: datetime | None = None

    def __post_init__(self) -> None:
        if self.start and self.end and self.start >= self.end:
            raise ValueError("`from` must come before `to`")


def parse_moment(text: str, *, end_of_day: bool) -> datetime:
    """A date (`2026-11-24`, a whole day in WIB) or a date and time (WIB when no offset).

    For the end of a period a bare date means up to the end of that day."""
    text = text.strip()
    try:
        day = date.fromisoformat(text)
    except ValueError:
        moment = datetime.fromisoformat(text)  # ValueError when it is neither
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=WIB)
        return moment.astimezone(UTC)
    start = datetime.combine(day, time(), tzinfo=WIB)
    return (start + timedelta(days=1) if end_of_day else start).astimezone(UTC)
