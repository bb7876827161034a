"""Use cases of the approval service: load the aggregate, decide, append. Each acts on the
officer's office: its log (and so its letter register), its read model."""

from collections.abc import Callable
from datetime import UTC, datetime
from uuid import UUID, uuid4

from services.approval.config import Context
from services.approval.domain import (
    Letter,
    Register,
    address_rejection,
    draft_letter,
    drafted_letter,
    evolve_letter,
    evolve_register,
    letter_stream,
    register_stream,
    register_year,
    reject_letter,
    sign_letter,
)
from services.approval.projections import ApprovalRecap
from shared.aggregate import Committed, committed, load_aggregate
from shared.commands import run_command
from shared.duties import DutyRule
from shared.errors import NotFound
from shared.events import EventData, LetterDrafted, new_event
from shared.identity import Officer
from shared.log import EventLog, Write
from shared.wib import as_utc


async def load_letter(log: EventLog, letter_id: UUID) -> tuple[Letter, int]:
    """A letter from one office's log (its LetterDrafted, then its own stream), or NotFound:
    another office's letter is not in this log."""
    drafted = await log.find(letter_id)
    if drafted is None or not isinstance(drafted.data, LetterDrafted):
        raise NotFound(f"there is no letter {letter_id}")
    return await load_aggregate(
        log, letter_stream(letter_id), evolve_letter, drafted_letter(drafted)
    )


async def draft_letter_for_recap(
    context: Context, officer: Officer, recap_id: UUID, fix: str | None = None
) -> Committed[Letter]:
    """The Kasubbag Umum drafts the cover letter of a recap: the next number of the year;
    after a rejection, saying what was fixed (`fix`)."""
    office, log = officer.office, context.log_for(officer.office)
    async with context.sessions() as session:
        recap = await session.get(ApprovalRecap, (office, recap_id))
    if recap is None:
        raise NotFound(f"there is no recap {recap_id} (or it has not reached approval yet)")
    settings = context.settings
    letter_id = uuid4()

    async def attempt() -> Committed[Letter]:
        now = datetime.now(UTC)
        year = register_year(now)
        registers = await _registers_since(log, recap, year)
        recap_letters = await _letters_in(log, registers, recap_id)
        (register, version) = registers[-1]
        drafted = draft_letter(
            register,
            recap_letters,
            letter_id=letter_id,
            recap_id=recap_id,
            pattern=settings.letter_numbers,
            office=office,
            now=now,
        )
        # Checked before anything is written: a fix needs a rejection to answer.
        fixed = (
            [address_rejection(recap_letters, letter_id=letter_id, recap_id=recap_id, fix=fix)]
            if fix is not None
            else []
        )
        event = new_event(
            drafted,
            stream_id=register_stream(year),
            actor=officer.actor(),
            office=office,
            event_id=letter_id,
            occurred_at=now,
            correlation_id=recap.correlation_id,
            causation_id=recap.event_id,
        )
        # Earlier registers are written nothing, but must not have moved either.
        writes = [Write(register_stream(r.year), v, []) for r, v in registers[:-1]]
        writes.append(Write(register_stream(year), version, [event]))
        if fixed:
            addressed = [
                new_event(
                    data,
                    stream_id=letter_stream(letter_id),
                    actor=officer.actor(),
                    office=office,
                    occurred_at=now,
                    correlation_id=recap.correlation_id,
                    causation_id=letter_id,
                )
                for data in fixed
            ]
            writes.append(Write(letter_stream(letter_id), 0, addressed))
        appended = await log.append_all(writes)
        letter = drafted_letter(appended[0])
        for later in appended[1:]:
            letter = evolve_letter(letter, later)
        return committed(letter, appended)

    return await run_command(
        attempt, busy="the letter register is busy with other drafts; try again in a moment"
    )


async def letters_of_recap(context: Context, officer: Officer, recap_id: UUID) -> list[Letter]:
    """Every letter drafted for a recap of the officer's office, with its fate, straight from
    the log (current the moment a letter is drafted); none for a recap not yet in approval."""
    log = context.log_for(officer.office)
    async with context.sessions() as session:
        recap = await session.get(ApprovalRecap, (officer.office, recap_id))
    if recap is None:
        return []
    registers = await _registers_since(log, recap, register_year(datetime.now(UTC)))
    return await _letters_in(log, registers, recap_id)


async def _registers_since(
    log: EventLog, recap: ApprovalRecap, year: int
) -> list[tuple[Register, int]]:
    # A recap's letters sit in the registers from the year it was compiled to this one.
    years = range(min(register_year(as_utc(recap.compiled_at)), year), year + 1)
    return [
        await load_aggregate(log, register_stream(y), evolve_register, Register(y)) for y in years
    ]


async def _letters_in(
    log: EventLog, registers: list[tuple[Register, int]], recap_id: UUID
) -> list[Letter]:
    return [
        await _with_fate(log, letter)
        for register, _ in registers
        for letter in register.letters_of(recap_id)
    ]


async def _with_fate(log: EventLog, letter: Letter) -> Letter:
    state, _ = await load_aggregate(log, letter_stream(letter.letter_id), evolve_letter, letter)
    return state


async def sign(context: Context, officer: Officer, letter_id: UUID) -> Committed[Letter]:
    """The Sekretaris signs a letter awaiting signature."""
    separate = _separates_drafting_and_signing(context, officer)
    return await _decide_on_letter(
        context,
        officer,
        letter_id,
        lambda letter: sign_letter(letter, by=officer.officer_id, separate_duties=separate),
    )


async def reject(
    context: Context, officer: Officer, letter_id: UUID, reason: str
) -> Committed[Letter]:
    """The Sekretaris rejects a letter awaiting signature, with a reason."""
    separate = _separates_drafting_and_signing(context, officer)
    return await _decide_on_letter(
        context,
        officer,
        letter_id,
        lambda letter: reject_letter(
            letter, reason, by=officer.officer_id, separate_duties=separate
        ),
    )


def _separates_drafting_and_signing(context: Context, officer: Officer) -> bool:
    return context.settings.separates_duties(officer.office, DutyRule.SIGN_OWN_DRAFT)


async def _decide_on_letter(
    context: Context,
    officer: Officer,
    letter_id: UUID,
    decide: Callable[[Letter], EventData],
) -> Committed[Letter]:
    log = context.log_for(officer.office)

    async def attempt() -> Committed[Letter]:
        # After losing a race, the decision is taken again: its sentence says what happened.
        letter, version = await load_letter(log, letter_id)
        event = new_event(
            decide(letter),
            stream_id=letter_stream(letter_id),
            actor=officer.actor(),
            office=officer.office,
            correlation_id=letter.correlation_id,
            causation_id=letter_id,  # the id of its LetterDrafted
        )
        appended = await log.append(letter_stream(letter_id), [event], version)
        return committed(evolve_letter(letter, appended[0]), appended)

    return await run_command(
        attempt, busy=f"letter {letter_id} kept changing at this very moment; read it again"
    )
