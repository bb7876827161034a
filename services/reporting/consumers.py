"""What the reporting service consumes, and the handler its consumer runs: the whole office
log, archived and projected by one archivist per office, whose chain is sealed once more
when the service stops."""

from services.reporting.archive import seal_head
from services.reporting.archivist import Archivist
from services.reporting.config import Context
from services.reporting.sealing import Signing
from shared.consumer import Handler
from shared.events import CATALOGUE, Envelope

CONSUMED = CATALOGUE


def projection(context: Context, signing: Signing) -> Handler:
    """One archivist per office served, each on its office's log with its office's seal."""
    settings = context.settings
    signing.load(settings, context.offices)  # refused in production unless it is given
    archivists = {
        office: Archivist(
            context.log_for(office),
            context.sessions,
            signing.sealer(office),
            settings.checkpoint_every,
        )
        for office in context.offices
    }

    async def handle(event: Envelope) -> None:
        await archivists[event.office](event)  # the consumer of that office's log hands it

    return handle


async def seal_on_shutdown(context: Context, signing: Signing) -> None:
    """Seal what was archived since the last checkpoint, so no tail is left unsigned."""
    for office in context.offices:
        async with context.sessions() as session:
            await seal_head(session, signing.sealer(office))
