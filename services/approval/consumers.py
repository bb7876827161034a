"""What the approval service consumes, and the handler its consumer runs: the documents
and recaps intake writes (for the printed list) and the letters this service writes."""

from collections.abc import Sequence

from services.approval.config import Context
from services.approval.projections import CONSUMED, PROJECTION, apply
from shared.claims import claim_page
from shared.consumer import PageHandler
from shared.events import Envelope


def projection(context: Context) -> PageHandler:
    """The consumer's handler: apply each page of events in one transaction, each once."""

    async def apply_page(events: Sequence[Envelope]) -> None:
        wanted = [e for e in events if isinstance(e.data, CONSUMED) and e.position is not None]
        if not wanted:
            return
        async with context.sessions() as session, session.begin():
            for event in await claim_page(session, PROJECTION, wanted):
                await apply(session, event)

    return PageHandler(apply_page)
