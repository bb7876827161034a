"""The event catalogue of DESIGN.md: small, frozen, past-tense. PersonalDataErased
(`jasa privacy erase`), DossierCorrected and RejectionAddressed extend it; issue 28 adds the
last mile: the tracking code, the courier's way to the door (out for delivery, failed
attempts, a wrong receipt code) and the proof of delivery. The officer directory's events
(`OFFICER_DIRECTORY`) are the office's history too, but no step of the procedure: they live in
the office's directory stream, and no read model of a dossier folds them.

A field added to an event already in logs is left out of its encoding while it holds its
default (`exclude_if`): the audit chain hashes the canonical bytes of the events already
written, and those must not change."""

from uuid import UUID

from pydantic import Field

from shared.events.envelope import EventData
from shared.vocabulary import (
    AttemptReason,
    CorrectedField,
    DocumentType,
    FlagReason,
    Relationship,
    ReturnReason,
    Role,
)


class DocumentRegistered(EventData):
    dossier_id: UUID
    nik: str
    name: str
    address: str
    phone: str = Field(description="E.164")
    document_type: DocumentType
    document_number: str
    tracking_code: str | None = Field(
        default=None,
        exclude_if=lambda value: value is None,
        description="the citizen's public tracking code (none before December 2026)",
    )


class DocumentFlagged(EventData):
    dossier_id: UUID
    reason: FlagReason
    note: str


class FlagResolved(EventData):
    dossier_id: UUID
    note: str


class DossierCorrected(EventData):
    """A data-entry error put right: the fields named changed to the values given (sealed
    as personal data, as at registration); the old values stay in the events before."""

    dossier_id: UUID
    fields: tuple[CorrectedField, ...]
    name: str | None = None
    address: str | None = None
    phone: str | None = Field(default=None, description="E.164")
    note: str


class RecapCompiled(EventData):
    recap_id: UUID
    document_type: DocumentType
    dossier_ids: tuple[UUID, ...]


class LetterDrafted(EventData):
    letter_id: UUID
    letter_number: str
    recap_id: UUID


class LetterSigned(EventData):
    letter_id: UUID
    letter_number: str
    recap_id: UUID


class LetterRejected(EventData):
    letter_id: UUID
    recap_id: UUID
    reason: str


class RejectionAddressed(EventData):
    """A letter drafted again after a rejection says what was fixed for its reason."""

    letter_id: UUID  # the new letter
    rejected_letter_id: UUID
    rejected_letter_number: str
    recap_id: UUID
    fix: str


class HandoverAccepted(EventData):
    letter_id: UUID
    recap_id: UUID
    dossier_ids: tuple[UUID, ...]


class Delivered(EventData):
    dossier_id: UUID
    letter_id: UUID
    recipient_name: str
    relationship: Relationship
    note: str
    code_verified: bool = Field(
        default=False,
        exclude_if=lambda value: value is False,
        description="the recipient gave the valid receipt code (never the code itself)",
    )
    photo_sha256: str | None = Field(
        default=None,
        exclude_if=lambda value: value is None,
        description="SHA-256 (hex) of the photo proof, as taken, before it was encrypted",
    )


class OutForDelivery(EventData):
    """The courier set out to the door; the citizen is sent `receipt_code` (sealed under the
    dossier's key: the log never holds it in clear, and erasure makes it unreadable)."""

    dossier_id: UUID
    letter_id: UUID
    receipt_code: str


class DeliveryAttemptFailed(EventData):
    dossier_id: UUID
    letter_id: UUID
    attempt: int = Field(ge=1, description="1 for the first failed attempt, and so on")
    reason: AttemptReason
    note: str


class ReceiptCodeRefused(EventData):
    """A wrong receipt code was entered at the door (the code entered is not kept)."""

    dossier_id: UUID
    letter_id: UUID
    wrong_tries: int = Field(ge=1, description="wrong codes entered so far, this one included")


class Returned(EventData):
    dossier_id: UUID
    letter_id: UUID
    reason: ReturnReason
    note: str


class ReturnReceived(EventData):
    dossier_id: UUID
    letter_id: UUID


class PersonalDataErased(EventData):
    """The dossier's data key was destroyed: every copy of its personal data reads erased."""

    dossier_id: UUID


class LogArchived(EventData):
    """`jasa log archive` took these events out of Redis: archived under a signed
    checkpoint, they are read from the archive from now on. Its event id marks them there."""

    up_to: str = Field(description="the last position trimmed")
    events: int = Field(description="how many events were trimmed")
    streams: int = Field(description="from how many streams")
    digest: str = Field(description="SHA-256 (hex) of their positions, one a line, in log order")


CATALOGUE: tuple[type[EventData], ...] = (
    DocumentRegistered,
    DocumentFlagged,
    FlagResolved,
    RecapCompiled,
    LetterDrafted,
    LetterSigned,
    LetterRejected,
    HandoverAccepted,
    Delivered,
    Returned,
    ReturnReceived,
    PersonalDataErased,
    OutForDelivery,
    DeliveryAttemptFailed,
    ReceiptCodeRefused,
    DossierCorrected,
    RejectionAddressed,
    LogArchived,
)


class OfficerEnrolled(EventData):
    """An officer joined the office's directory; their password is kept apart, never here."""

    username: str
    officer_id: str = Field(description="the paraf's id on every event they make: NIP or username")
    name: str
    nip: str | None
    role: Role


class OfficerRoleChanged(EventData):
    username: str
    role: Role


class OfficerSuspended(EventData):
    username: str
    reason: str


class OfficerReinstated(EventData):
    username: str


OFFICER_DIRECTORY: tuple[type[EventData], ...] = (
    OfficerEnrolled,
    OfficerRoleChanged,
    OfficerSuspended,
    OfficerReinstated,
)
