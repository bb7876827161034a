"""The event catalogue of DESIGN.md: small, frozen, past-tense. PersonalDataErased
(`jasa privacy erase`), DossierCorrected and RejectionAddressed extend it."""

from uuid import UUID

from pydantic import Field

from shared.events.envelope import EventData
from shared.vocabulary import CorrectedField, DocumentType, FlagReason, Relationship, ReturnReason


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
    DossierCorrected,
    RejectionAddressed,
)
