"""What the reporting service consumes, and the handler its consumer runs: the whole office
log, archived and projected by one archivist per office, whose chain is sealed once more
when the service stops; and the service's own `jasa log archive`, on a schedule."""

import asyncio
import contextlib
import logging

from services.reporting.archive import add_archive_columns, seal_head
from services.reporting.archivist import Archivist
from services.reporting.config import Context
from services.reporting.run_lock import ArchivingBusy
from services.reporting.sealing import Signing
from services.reporting.trimming import CannotTrim, archive_log
from shared.consumer import Handler
from shared.events import CATALOGUE, Envelope

CONSUMED = CATALOGUE
log = logging.getLogger("jasa.reporting.trimming")


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


async def upgrade_archive(context: Context) -> None:
    """An archive made before `jasa log archive` gets its new columns before the consumer
    starts (its rows would not be written otherwise)."""
    await add_archive_columns(context.engine)


class ArchiveSchedule:
    """The reporting service's own `jasa log archive`: every `JASA_ARCHIVE_EVERY` seconds,
    the first time one period after the start, for each office served. A run that meets
    another (the command line, another process) or a disagreement says so in the log and
    waits for the next period."""

    def __init__(self, signing: Signing) -> None:
        self.signing = signing
        self._task: asyncio.Task[None] | None = None

    async def start(self, context: Context) -> None:
        every = context.settings.archive_every_s
        if every > 0:
            self._task = asyncio.create_task(self._every(context, every), name="archive-log")

    async def stop(self, context: Context) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _every(self, context: Context, every: float) -> None:
        while True:
            await asyncio.sleep(every)
            for office in context.offices:
                try:
                    await archive_log(
                        context.log_for(office),
                        context.sessions,
                        self.signing.sealer(office).public_key,
                        context.settings.hot_days,
                        trim_step=context.settings.trim_step,
                        lock_lease_s=context.settings.archive_lock_lease_s,
                    )
                except (CannotTrim, ArchivingBusy) as error:
                    log.warning("office %s: the log was not archived now: %s", office, error)
                except Exception:
                    log.exception("office %s: archiving the log failed", office)
