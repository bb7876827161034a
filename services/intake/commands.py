"""Use cases of the FO desk: load the aggregate, decide, append. The log's expected
versions are the guards: the n-th dossier slot of a document (registration), the recap
book of a type and the version of every dossier put in a recap (compiling), and the
recap book again when a dossier is flagged, so a flag and a recap never both win.
Every use case acts on the officer's own office: its log, its read model, its registry."""

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from services.intake.config import Context
from services.intake.domain import (
    Correction,
    Dossier,
    RecapBook,
    Registration,
    RegistryEntry,
    check_against_registry,
    decide_correction,
    decide_flag,
    decide_recap,
    decide_registration,
    decide_resolve,
    dossier_slot,
    dossier_stream,
    evolve_dossier,
    evolve_recap_book,
    recap_book_stream,
)
from services.intake.queries import dossier_row, registration_facts, waiting_dossier_ids
from services.intake.registry import registry_entries_for
from shared.aggregate import load_aggregate, load_aggregates
from shared.commands import run_command
from shared.duties import DutyRule
from shared.errors import NotFound
from shared.events import Envelope, EventData, new_event
from shared.identity import Officer
from shared.log import ConcurrencyConflict, EventLog, Write
from shared.masking import mask_document_number
from shared.tracking import new_tracking_code
from shared.vocabulary import DocumentType, DossierStatus, FlagReason


def _envelopes(officer: Officer, stream_id: str, events: list[EventData]) -> list[Envelope]:
    first = new_event(events[0], stream_id=stream_id, actor=officer.actor(), office=officer.office)
    rest = [
        new_event(
            data,
            stream_id=stream_id,
            actor=officer.actor(),
            office=officer.office,
            correlation_id=first.correlation_id,
            causation_id=first.event_id,
        )
        for data in events[1:]
    ]
    return [first, *rest]


# --- registration ----------------------------------------------------------------------


async def _last_dossier_of(
    log: EventLog, slot: Callable[[int], uuid.UUID]
) -> tuple[int, uuid.UUID | None]:
    """The first free slot of a document and the dossier in the slot before it, if any."""
    n = 1
    while await log.version(dossier_stream(slot(n))):
        n += 1
    return n, (slot(n - 1) if n > 1 else None)


async def _read_model_answers(
    context: Context, office: str, registration: Registration
) -> tuple[list[RegistryEntry], tuple[uuid.UUID, DossierStatus] | None]:
    """What the registry holds under the document's number, and a dossier of it that the read
    model shows unfinished."""
    async with context.engine.connect() as connection:
        return await registration_facts(
            connection, office, registration.document_type, registration.document_number
        )


async def register_document(
    context: Context, officer: Officer, registration: Registration
) -> list[Envelope]:
    """Check the registry, make sure the document is not in flight, register (and flag)."""
    office, log = officer.office, context.log_for(officer.office)

    def slot(n: int) -> uuid.UUID:
        kind, number = registration.document_type, registration.document_number
        return dossier_slot(context.blind_index, office, kind, number, n)

    async def append_in(
        n: int, entry: RegistryEntry, previous: tuple[uuid.UUID, DossierStatus | None] | None
    ) -> list[Envelope]:
        """Register the document in its n-th slot: the append holds only if it is free."""
        events = decide_registration(
            slot(n), registration, entry, previous, tracking_code=new_tracking_code()
        )
        stream = dossier_stream(slot(n))
        return await log.append(stream, _envelopes(officer, stream, events), 0)

    async def attempt() -> list[Envelope]:
        entries, unkeyed = await _read_model_answers(context, office, registration)
        entry = check_against_registry(registration, entries)
        # Most documents are registered once: the first slot is tried without asking Redis
        # whether it is free, as the append checks that anyway. A dossier opened before ids
        # were keyed sits in no slot: the read model knows it.
        try:
            return await append_in(1, entry, unkeyed)
        except ConcurrencyConflict:
            pass  # registered before (or at this moment): the next free slot, and who held it
        n, previous_id = await _last_dossier_of(log, slot)
        previous: tuple[uuid.UUID, DossierStatus | None] | None = unkeyed
        if previous_id is not None:
            async with context.sessions() as session:
                row = await dossier_row(session, office, previous_id)
            previous = (previous_id, DossierStatus(row.status) if row else None)
        return await append_in(n, entry, previous)

    return await run_command(
        attempt,
        busy=f"{registration.document_type.value} "
        f"{mask_document_number(registration.document_number)} is being "
        "registered by someone else at this very moment; try again",
    )


# --- flags -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DossierNow:
    """A dossier as the log has it, with the versions a decision about it depends on."""

    state: Dossier
    version: int
    in_recap: bool
    book_version: int


async def load_dossier(log: EventLog, dossier_id: uuid.UUID) -> DossierNow:
    """A dossier of the office whose log this is; another office's is not there (404)."""
    state, version = await load_aggregate(
        log, dossier_stream(dossier_id), evolve_dossier, Dossier()
    )
    if not state.registered or state.document_type is None:
        raise NotFound(f"there is no dossier {dossier_id}")
    book, book_version = await load_aggregate(
        log, recap_book_stream(state.document_type), evolve_recap_book, RecapBook()
    )
    return DossierNow(state, version, dossier_id in book.recapped, book_version)


async def _append_about_dossier(
    log: EventLog, officer: Officer, now: DossierNow, events: list[EventData]
) -> list[Envelope]:
    """Events on a dossier, valid only while neither it nor its recap book moved."""
    assert now.state.dossier_id is not None and now.state.document_type is not None
    stream = dossier_stream(now.state.dossier_id)
    return await log.append_all(
        [
            Write(stream, now.version, _envelopes(officer, stream, events)),
            Write(recap_book_stream(now.state.document_type), now.book_version, []),
        ]
    )


async def _decide_on_dossier(
    context: Context,
    officer: Officer,
    dossier_id: uuid.UUID,
    decide: Callable[[DossierNow], Awaitable[EventData | list[EventData]]],
) -> list[Envelope]:
    """Decide on the dossier as the log has it; decide again when a recap or flag moved first."""
    log = context.log_for(officer.office)

    async def attempt() -> list[Envelope]:
        now = await load_dossier(log, dossier_id)
        decided = await decide(now)
        events = decided if isinstance(decided, list) else [decided]
        return await _append_about_dossier(log, officer, now, events)

    return await run_command(
        attempt, busy=f"dossier {dossier_id} kept changing at this very moment; try again"
    )


async def flag_dossier(
    context: Context,
    officer: Officer,
    dossier_id: uuid.UUID,
    reason: FlagReason,
    note: str,
) -> Envelope:
    """Hold a dossier back until the responsible division has put it right."""

    async def decide(now: DossierNow) -> EventData:
        return decide_flag(now.state, now.in_recap, reason, note)

    (event,) = await _decide_on_dossier(context, officer, dossier_id, decide)
    return event


async def resolve_flag(
    context: Context, officer: Officer, dossier_id: uuid.UUID, note: str
) -> Envelope:
    """Release a flagged dossier: it may go into the next recap list. The registry is read
    again on every attempt, so a document it still lists unsigned stays held back."""
    separate = context.settings.separates_duties(officer.office, DutyRule.RESOLVE_OWN_FLAG)

    async def decide(now: DossierNow) -> EventData:
        number = now.state.document_number or ""
        registry = await registry_entries_for(context.engine, officer.office, number)
        return decide_resolve(
            now.state, note, by=officer.officer_id, separate_duties=separate, registry=registry
        )

    (event,) = await _decide_on_dossier(context, officer, dossier_id, decide)
    return event


async def correct_dossier(
    context: Context, officer: Officer, dossier_id: uuid.UUID, correction: Correction
) -> list[Envelope]:
    """Put a data-entry error right and release the dossier: DossierCorrected (the fields
    changed and their new values, sealed) and FlagResolved, appended together. The officer
    who raised the flag does not correct it, as they would not resolve it."""
    separate = context.settings.separates_duties(officer.office, DutyRule.RESOLVE_OWN_FLAG)

    async def decide(now: DossierNow) -> list[EventData]:
        return decide_correction(
            now.state, correction, by=officer.officer_id, separate_duties=separate
        )

    return await _decide_on_dossier(context, officer, dossier_id, decide)


# --- recaps ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RecapPlan:
    """A recap decided on what the log showed, to be appended only if nothing moved since."""

    office: str
    writes: list[Write]
    event: Envelope


async def plan_recap(context: Context, officer: Officer, document_type: DocumentType) -> RecapPlan:
    """Decide the recap of one type: the read model proposes, the log decides. The read
    model must first have applied everything the log held when the FO asked, or the
    registrations just made would be left out."""
    await context.read_model_reached(officer.office)
    log = context.log_for(officer.office)
    book_stream = recap_book_stream(document_type)
    book, book_version = await load_aggregate(log, book_stream, evolve_recap_book, RecapBook())
    async with context.sessions() as session:
        proposed = await waiting_dossier_ids(session, officer.office, document_type.value)
    # Every proposed dossier read at once: one round trip and one connection, however many.
    loaded = await load_aggregates(
        log,
        [dossier_stream(d) for d in proposed if d not in book.recapped],
        evolve_dossier,
        Dossier(),
    )
    data = decide_recap(book, document_type, [state for state, _ in loaded], uuid.uuid4())
    chosen = set(data.dossier_ids)
    (event,) = _envelopes(officer, book_stream, [data])
    guards = [
        Write(dossier_stream(state.dossier_id), version, [])
        for state, version in loaded
        if state.dossier_id in chosen
    ]
    return RecapPlan(officer.office, [Write(book_stream, book_version, [event]), *guards], event)


async def commit_recap(context: Context, plan: RecapPlan) -> Envelope:
    """Append a planned recap; ConcurrencyConflict (nothing written) if anything it was
    decided on moved since."""
    (event,) = await context.log_for(plan.office).append_all(plan.writes)
    return event


async def compile_recap(
    context: Context, officer: Officer, document_type: DocumentType
) -> Envelope:
    """Put every waiting dossier of one type in a new recap list."""
    return await run_command(
        lambda: _planned_and_committed(context, officer, document_type),
        busy="the recap book of this type kept changing at this very moment; try again",
    )


async def _planned_and_committed(
    context: Context, officer: Officer, document_type: DocumentType
) -> Envelope:
    return await commit_recap(context, await plan_recap(context, officer, document_type))
