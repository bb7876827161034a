"""The event catalogue of DESIGN.md: small, frozen, past-tense. PersonalDataErased extends
it (`jasa privacy erase`). The officer directory's events (`OFFICER_DIRECTORY`) are the
office's history too, but no step of the procedure: they live in the office's directory
stream, and no read model of a dossier folds them."""

from uuid import UUID

from pydantic import Field

from shared.events.envelope import EventData
from shared.vocabulary import DocumentType, FlagReason, Relationship, ReturnReason, Role


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
