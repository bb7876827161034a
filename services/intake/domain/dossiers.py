"""One dossier (`dossier-<uuid>`): a document on its way to a citizen, as the FO desk sees
it. DocumentRegistered opens it, DocumentFlagged holds it back, FlagResolved releases it and
DossierCorrected puts its data right; here are its state and the decisions to flag it,
resolve a flag and correct it."""

import uuid
from dataclasses import dataclass, replace
from typing import Any

from services.intake.domain.registration import RegistryEntry
from shared.errors import Conflict, Unprocessable
from shared.events import (
    DocumentFlagged,
    DocumentRegistered,
    DossierCorrected,
    Envelope,
    EventData,
    FlagResolved,
)
from shared.masking import mask_document_number
from shared.vocabulary import CorrectedField, DocumentType, FlagReason


def dossier_stream(dossier_id: uuid.UUID) -> str:
    return f"dossier-{dossier_id}"


@dataclass(frozen=True, slots=True)
class Dossier:
    dossier_id: uuid.UUID | None = None
    document_type: DocumentType | None = None
    document_number: str | None = None
    flag_reason: FlagReason | None = None
    flagged_by: str | None = None  # the officer id that raised the flag
    name: str | None = None
    address: str | None = None
    phone: str | None = None

    @property
    def registered(self) -> bool:
        return self.dossier_id is not None

    @property
    def flagged(self) -> bool:
        return self.flag_reason is not None


def evolve_dossier(state: Dossier, event: Envelope) -> Dossier:
    data: Any = event.data
    if isinstance(data, DocumentRegistered):
        return Dossier(
            dossier_id=data.dossier_id,
            document_type=data.document_type,
            document_number=data.document_number,
            name=data.name,
            address=data.address,
            phone=data.phone,
        )
    if isinstance(data, DossierCorrected):
        return replace(state, **{field.value: getattr(data, field.value) for field in data.fields})
    if isinstance(data, DocumentFlagged):
        return replace(state, flag_reason=data.reason, flagged_by=event.actor.officer_id)
    if isinstance(data, FlagResolved):
        return replace(state, flag_reason=None, flagged_by=None)
    return state


def decide_flag(state: Dossier, in_recap: bool, reason: FlagReason, note: str) -> DocumentFlagged:
    """Hold a dossier back until the responsible division has put it right."""
    assert state.dossier_id is not None, "flag a registered dossier"
    if state.flagged:
        raise Conflict(f"dossier {state.dossier_id} is already flagged; resolve that flag first")
    if in_recap:
        raise Conflict(
            f"dossier {state.dossier_id} is already in a recap list and can no longer be flagged"
        )
    return DocumentFlagged(dossier_id=state.dossier_id, reason=reason, note=note)


def decide_resolve(
    state: Dossier,
    note: str,
    *,
    by: str,
    separate_duties: bool,
    registry: list[RegistryEntry],
) -> FlagResolved:
    """The responsible division has put it right: the dossier may go out.

    `by` is the resolving officer; `separate_duties`: this office keeps whoever raised a flag
    from resolving it. `registry` is what the registry holds now under the dossier's document
    number: an unsigned document stays held back until the registry says it is signed."""
    assert state.dossier_id is not None, "resolve a registered dossier"
    if not state.flagged:
        raise Conflict(f"dossier {state.dossier_id} is not flagged; there is nothing to resolve")
    if separate_duties and by == state.flagged_by:
        raise Conflict(
            f"the flag on dossier {state.dossier_id} was raised by you (officer {by}); in this "
            "office the officer who raised a flag cannot also resolve it; another FO resolves it"
        )
    if state.flag_reason is FlagReason.UNSIGNED_DOCUMENT:
        _signed_in_registry(state, registry)
    return FlagResolved(dossier_id=state.dossier_id, note=note)


@dataclass(frozen=True, slots=True)
class Correction:
    """What the FO typed to put a data-entry error right: None leaves a field as it is."""

    name: str | None = None
    address: str | None = None
    phone: str | None = None
    note: str = ""


def decide_correction(
    state: Dossier, correction: Correction, *, by: str, separate_duties: bool
) -> list[EventData]:
    """Correct a dossier held back for a data-entry error, and release it in the same step:
    the correction is what resolves that flag. Only what differs is recorded."""
    assert state.dossier_id is not None, "correct a registered dossier"
    if state.flag_reason is not FlagReason.DATA_ENTRY_ERROR:
        held = f"flagged {state.flag_reason.value}" if state.flag_reason else "not flagged"
        raise Conflict(
            f"dossier {state.dossier_id} is {held}; its data is corrected only while it is "
            "flagged DATA_ENTRY_ERROR (flag it so first)"
        )
    changed = {
        field: value
        for field in CorrectedField
        if (value := getattr(correction, field.value)) is not None
        and value != getattr(state, field.value)
    }
    if not changed:
        raise Unprocessable.field(
            "name",
            "the correction changes nothing: give the name, address or phone as it should be",
        )
    resolved = decide_resolve(
        state, correction.note, by=by, separate_duties=separate_duties, registry=[]
    )
    fields = tuple(changed)
    corrected = DossierCorrected(
        dossier_id=state.dossier_id,
        fields=fields,
        note=correction.note,
        **{field.value: value for field, value in changed.items()},
    )
    return [corrected, resolved]


def _signed_in_registry(state: Dossier, registry: list[RegistryEntry]) -> None:
    """The registry is asked again, as it was at registration: a flag resolved on one's word
    alone would send an unsigned document out in a recap and a letter."""
    entry = next((e for e in registry if e.document_type == state.document_type), None)
    if entry is not None and entry.signed:
        return
    kind = state.document_type.value if state.document_type else "the document"
    number = mask_document_number(state.document_number or "")
    if entry is None:
        raise Conflict(
            f"the population registry no longer holds {kind} {number}, so its UNSIGNED_DOCUMENT "
            "flag cannot be resolved; load its signed state with `jasa registry load FILE.csv` "
            "first"
        )
    raise Conflict(
        f"the population registry still lists {kind} {number} as unsigned; load its signed "
        "state with `jasa registry load FILE.csv`, then resolve the flag"
    )
