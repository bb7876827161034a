"""The event catalogue of DESIGN.md: small, frozen, past-tense. PersonalDataErased extends
it (`jasa privacy erase`)."""

from uuid import UUID

from pydantic import Field

from shared.events.envelope import EventData
from shared.vocabulary import DocumentType, FlagReason, Relationship, ReturnReason


class DocumentRegistered(EventData):
    dossier_id: UUID
    nik: str
    name: str
    address: str
    phone: str = Field(description="E.164")
    document_type: DocumentType
    document_number: str


class DocumentFlagged(EventData):
    dossier_id: UUID
    reason: FlagReason
    note: str


class FlagResolved(EventData):
    dossier_id: UUID
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
    LogArchived,
)
