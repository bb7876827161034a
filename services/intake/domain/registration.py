"""The population registry's word on a document, and the registration it decides: what
the FO typed checked against the registry's entries, then the events that open a dossier
at its keyed slot (`dossier_slot`), flagged at once when the document is not signed yet."""

import uuid
from dataclasses import dataclass

from shared.blind_index import BlindIndex
from shared.errors import Conflict, Unprocessable
from shared.events import DocumentFlagged, DocumentRegistered, EventData
from shared.masking import mask_document_number
from shared.vocabulary import DocumentType, DossierStatus, FlagReason

FINISHED = frozenset({DossierStatus.DELIVERED, DossierStatus.RECEIVED_BACK})


def dossier_slot(
    index: BlindIndex, office: str, document_type: DocumentType, document_number: str, n: int
) -> uuid.UUID:
    """The id of the n-th dossier (1, 2, ...) ever opened for one document in one office,
    keyed: a plain hash of the number would let anyone holding a NIK find its dossier."""
    return index.dossier_id(office, document_type.value, document_number, n)


@dataclass(frozen=True, slots=True)
class RegistryEntry:
    document_type: DocumentType
    document_number: str
    nik: str
    name: str
    signed: bool


@dataclass(frozen=True, slots=True)
class Registration:
    """What the FO typed in."""

    nik: str
    name: str
    address: str
    phone: str
    document_type: DocumentType
    document_number: str


def check_against_registry(
    registration: Registration, entries: list[RegistryEntry]
) -> RegistryEntry:
    """The registry's entry for this document, or a 422 saying what does not match."""
    # The answer names the document masked, as every answer does: a KTP-el's number is a NIK.
    number = mask_document_number(registration.document_number)
    if not entries:
        raise Unprocessable.field(
            "document_number",
            f"document {number} is not in the population registry; check the number",
        )
    same_type = [e for e in entries if e.document_type == registration.document_type]
    if not same_type:
        kinds = ", ".join(sorted(e.document_type.value for e in entries))
        raise Unprocessable.field(
            "document_type",
            f"the registry holds document {number} as {kinds}, "
            f"not {registration.document_type.value}",
        )
    entry = same_type[0]
    if entry.nik != registration.nik:
        raise Unprocessable.field(
            "nik",
            f"the registry holds {registration.document_type.value} {number} "
            "under another NIK; check the NIK and the document number",
        )
    return entry


def decide_registration(
    dossier_id: uuid.UUID,
    registration: Registration,
    entry: RegistryEntry,
    previous: tuple[uuid.UUID, DossierStatus | None] | None,
    tracking_code: str | None = None,
) -> list[EventData]:
    """Register a document; an unsigned one is flagged in the same step. `tracking_code` is
    the citizen's (made by the caller, from `secrets`).

    `previous` is the last dossier of this document and its status (None when not known
    yet): while it is not finished, the document is in flight and cannot be registered."""
    if previous is not None:
        previous_id, status = previous
        if status not in FINISHED:
            shown = status.value if status else "just registered"
            raise Conflict(
                f"{registration.document_type.value} "
                f"{mask_document_number(registration.document_number)} is already "
                f"in flight as dossier {previous_id} ({shown}); it can be registered again "
                "once that dossier is delivered or received back"
            )
    events: list[EventData] = [
        DocumentRegistered(
            dossier_id=dossier_id,
            nik=registration.nik,
            name=registration.name,
            address=registration.address,
            phone=registration.phone,
            document_type=registration.document_type,
            document_number=registration.document_number,
            tracking_code=tracking_code,
        )
    ]
    if not entry.signed:
        events.append(
            DocumentFlagged(
                dossier_id=dossier_id,
                reason=FlagReason.UNSIGNED_DOCUMENT,
                note="the registry shows this document is not signed yet",
            )
        )
    return events
