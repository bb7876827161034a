"""What the intake service consumes, and the handler its consumer runs: the whole office
log, so that a dossier's status follows it through approval and the courier."""

from collections.abc import Sequence

from services.intake.config import Context
from services.intake.projections import PROJECTION, apply_events
from shared.claims import claim_page
from shared.consumer import PageHandler
from shared.events import CATALOGUE, Envelope

CONSUMED = CATALOGUE


def projection(context: Context) -> PageHandler:
    """The consumer's handler: apply each page of events once, in one transaction."""

    async def apply_page(events: Sequence[Envelope]) -> None:
        async with context.sessions() as session, session.begin():
            claimed = await claim_page(session, PROJECTION, events)
            await apply_events(session, claimed, context.blind_index)

    return PageHandler(apply_page)
