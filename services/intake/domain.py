"""The FO desk's decisions, pure: a dossier (one document on its way to a citizen), the
recap book of one document type, and what the population registry says of a document.

Streams:
- `dossier-<uuid>`: DocumentRegistered, DocumentFlagged, FlagResolved, DossierCorrected.
  The n-th dossier of one document has a fixed, keyed id (`dossier_slot`), so two officers
  registering the same document at once both append to the same empty stream and the log
  lets only one in.
- `recapbook-<TYPE>`: RecapCompiled of one document type; its fold knows which dossiers
  were recapped, so no dossier ever lands in two recaps."""

import uuid
from dataclasses import dataclass, replace
from typing import Any

from shared.blind_index import BlindIndex
from shared.errors import Conflict, Unprocessable
from shared.events import (
    DocumentFlagged,
    DocumentRegistered,
    DossierCorrected,
    Envelope,
    EventData,
    FlagResolved,
    RecapCompiled,
)
from shared.masking import mask_document_number
from shared.vocabulary import CorrectedField, DocumentType, DossierStatus, FlagReason

FINISHED = frozenset({DossierStatus.DELIVERED, DossierStatus.RECEIVED_BACK})


def dossier_stream(dossier_id: uuid.UUID) -> str:
    return f"dossier-{dossier_id}"


def recap_book_stream(document_type: DocumentType) -> str:
    return f"recapbook-{document_type.value}"


def dossier_slot(
    index: BlindIndex, office: str, document_type: DocumentType, document_number: str, n: int
) -> uuid.UUID:
    """The id of the n-th dossier (1, 2, ...) ever opened for one document in one office,
    keyed: a plain hash of the number would let anyone holding a NIK find its dossier."""
    return index.dossier_id(office, document_type.value, document_number, n)


# --- the population registry's word on a document ----------------------------------------


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


# --- one dossier ---------------------------------------------------------------------------


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


# --- the recap book of one document type ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class RecapBook:
    recapped: frozenset[uuid.UUID] = frozenset()


def evolve_recap_book(state: RecapBook, event: Envelope) -> RecapBook:
    data: Any = event.data
    if isinstance(data, RecapCompiled):
        return RecapBook(recapped=state.recapped | set(data.dossier_ids))
    return state


def decide_recap(
    book: RecapBook,
    document_type: DocumentType,
    candidates: list[Dossier],
    recap_id: uuid.UUID,
) -> RecapCompiled:
    """Every registered, unflagged, not yet recapped dossier of one type; none is a 409."""
    chosen = tuple(
        dossier.dossier_id
        for dossier in candidates
        if dossier.dossier_id is not None
        and dossier.document_type == document_type
        and not dossier.flagged
        and dossier.dossier_id not in book.recapped
    )
    if not chosen:
        raise Conflict(
            f"there is no registered, unflagged {document_type.value} dossier waiting for a "
            "recap list"
        )
    return RecapCompiled(recap_id=recap_id, document_type=document_type, dossier_ids=chosen)
