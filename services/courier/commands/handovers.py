"""The handover: the courier takes a signed letter's documents over, decided on the
letter's handover as the log has it and on the facts of the letter the projection knows."""

from uuid import UUID

import orjson

from services.courier import domain
from services.courier.commands.common import append_event
from services.courier.config import Context
from services.courier.domain import Handover, LetterFacts, evolve_handover, handover_stream
from services.courier.projections import CourierLetter, CourierRecap
from services.courier.queries import AcceptedHandoverPublic
from shared.aggregate import Committed, committed, load_aggregate
from shared.commands import run_command
from shared.errors import NotFound
from shared.identity import Officer


async def _letter_facts(context: Context, office: str, letter_id: UUID) -> LetterFacts:
    async with context.sessions() as session:
        letter = await session.get(CourierLetter, (office, str(letter_id)))
        if letter is None:
            raise NotFound(f"there is no letter {letter_id}")
        recap = await session.get(CourierRecap, (office, letter.recap_id))
    return LetterFacts(
        letter_id=letter_id,
        letter_number=letter.letter_number,
        recap_id=UUID(letter.recap_id),
        signed=letter.signed,
        rejected=letter.rejected,
        dossier_ids=tuple(map(UUID, orjson.loads(recap.dossier_ids))) if recap else None,
    )


async def accept_handover(
    context: Context, officer: Officer, letter_id: UUID
) -> Committed[AcceptedHandoverPublic]:
    """The courier takes a signed letter's documents over."""

    async def attempt() -> Committed[AcceptedHandoverPublic]:
        letter = await _letter_facts(context, officer.office, letter_id)
        stream_id = handover_stream(letter_id)
        log = context.log_for(officer.office)
        state, version = await load_aggregate(log, stream_id, evolve_handover, Handover())
        accepted = domain.accept_handover(state, letter)
        appended = await append_event(context, officer, stream_id, accepted, version)
        handover = AcceptedHandoverPublic(
            letter_id=letter_id, recap_id=accepted.recap_id, dossier_ids=list(accepted.dossier_ids)
        )
        return committed(handover, appended)

    return await run_command(
        attempt,
        busy=f"the handover of letter {letter_id} kept changing at this very moment; try again",
    )


async def handover_of(context: Context, office: str, letter_id: UUID) -> Handover:
    """A letter's handover as the log has it now, e.g. to say why an acceptance was refused."""
    log = context.log_for(office)
    handover, _ = await load_aggregate(log, handover_stream(letter_id), evolve_handover, Handover())
    return handover
