"""Events for tests, built the way services build them."""

import uuid

from services.intake.domain import RegistryEntry
from shared.events import Actor, DocumentFlagged, DocumentRegistered, Envelope, new_event
from shared.vocabulary import DocumentType, FlagReason, Role

FO = Actor(officer_id="198001012005011001", name="Siti Rahma", role=Role.FO)


def registered(dossier_id: uuid.UUID | None = None, **overrides: object) -> Envelope:
    dossier_id = dossier_id or uuid.uuid4()
    data = {
        "dossier_id": dossier_id,
        "nik": "1471014506900003",
        "name": "Rina Marlina",
        "address": "Jl. Sudirman No. 12, Pekanbaru",
        "phone": "+6281234567890",
        "document_type": DocumentType.KTP_EL,
        "document_number": f"KTP-{uuid.uuid4().hex[:8]}",
        **overrides,
    }
    return new_event(
        DocumentRegistered.model_validate(data),
        stream_id=f"dossier-{dossier_id}",
        actor=FO,
        office="1471",
    )


def flagged(dossier_id: uuid.UUID, note: str = "nama tidak sesuai") -> Envelope:
    return new_event(
        DocumentFlagged(dossier_id=dossier_id, reason=FlagReason.DATA_ENTRY_ERROR, note=note),
        stream_id=f"dossier-{dossier_id}",
        actor=FO,
        office="1471",
    )


def registration(entry: RegistryEntry) -> dict[str, str]:
    """The body of a POST /dossiers for a person and document of the registry."""
    return {
        "nik": entry.nik,
        "name": entry.name,
        "address": "Jl. Sudirman No. 12, Pekanbaru",
        "phone": "0812-3456-7890",
        "document_type": entry.document_type.value,
        "document_number": entry.document_number,
    }
