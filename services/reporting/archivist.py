"""The reporting service's projection handler: it keeps each office's archive up with its
log, page by page, whatever order and however often the consumer hands events over."""

import asyncio
import logging
from collections import deque
from collections.abc import Iterable

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from services.reporting.archive import (
    ChainHead,
    chain_head,
    entry_position,
    is_archived,
    logged_events,
    readable,
    revealing_what_is_read,
    seal_page,
    write_page,
)
from services.reporting.sealing import Sealer
from shared.db import database_unreachable
from shared.events import Envelope
from shared.log import EventLog
from shared.store import position_key

log = logging.getLogger("jasa.reporting.archive")


class Archivist:
    """The projection handler of the reporting service for the office of its log (see the
    module's docstring).

    It keeps the chain's head in memory once loaded. An event handed over after the head
    was archived already (by this process: nothing to read); any other catches the archive
    up to the end of the log, a page per transaction, so that the deliveries that follow
    find their events archived. If another process archived the same page first, the
    transaction fails on the archive's unique keys: the head is read again and the catch-up
    goes on from there. If the database cannot be reached, the failure goes to the consumer
    as it is (the event stays pending, see `shared.consumer`), and the head is read again
    when next called: a commit cut off may have happened or not."""

    def __init__(
        self,
        log: EventLog,
        sessions: async_sessionmaker[AsyncSession],
        sealer: Sealer | None,
        checkpoint_every: int = 1000,
        page_size: int = 500,
        remembered: int = 100_000,
    ) -> None:
        self.log, self.sessions, self.sealer = log, sessions, sealer
        self.office = log.keys.office
        self.checkpoint_every, self.page_size = checkpoint_every, page_size
        # The consumer's two subscribers may call at once; one catch-up at a time per process.
        self._lock = asyncio.Lock()
        self._head: ChainHead | None = None
        self._read_up_to = "0-0"  # the last log entry read (some may not be events)
        self._archived = RecentPositions(remembered)

    async def __call__(self, event: Envelope) -> None:
        assert event.position is not None, "the consumer hands over appended events"
        async with self._lock:
            if event.position in self._archived:
                return
            head = await self._known_head()
            if position_key(event.position) <= position_key(head.position):
                await self._refuse_if_not_archived(event.position, head)
                return
            await self._catch_up()

    async def _known_head(self) -> ChainHead:
        if self._head is None:
            async with self.sessions() as session:
                self._head = await chain_head(session, self.office)
            self._read_up_to = self._head.position
        return self._head

    async def _refuse_if_not_archived(self, position: str, head: ChainHead) -> None:
        async with self.sessions() as session:
            if await is_archived(session, self.office, position):
                return
        log.warning(
            "event %s is not archived but lies before the archive's head %s: it was put into "
            "the log afterwards; `jasa audit verify` will name it",
            position,
            head.position,
        )

    async def _catch_up(self) -> None:
        """Archive every event of the log after the head, page by page."""
        while True:
            before = await self._known_head()
            page = await self.log.read_raw(self._read_up_to, self.page_size)
            if not page:
                return
            events = readable(page)
            try:
                sealed = await seal_page(
                    self.office,
                    events,
                    before,
                    self.sealer,
                    self.checkpoint_every,
                    revealing_what_is_read(self.log),
                    logged_events(page),
                )
                async with self.sessions() as session:
                    head = await write_page(session, self.office, sealed)
                    await session.commit()
            except Exception as error:
                # Read again: another process may have archived these, or a commit whose
                # connection was cut may have happened. Out of reach, not now: the consumer
                # keeps the event pending and hands it over again.
                self._head = None
                if not isinstance(error, DBAPIError) or database_unreachable(error):
                    raise
                if (await self._known_head()).count <= before.count:
                    raise  # it did not: the failure is this page's own
                continue
            self._head, self._read_up_to = head, entry_position(page[-1][0])
            self._archived.add_all(event.position for event in events if event.position)
            if len(page) < self.page_size:
                return  # the end of the log as it was read; what came since is delivered next


class RecentPositions:
    """The positions archived most recently by this process, at most `capacity` of them."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._order: deque[str] = deque()
        self._set: set[str] = set()

    def __contains__(self, position: object) -> bool:
        return position in self._set

    def add_all(self, positions: Iterable[str]) -> None:
        for position in positions:
            self._order.append(position)
            self._set.add(position)
        while len(self._order) > self.capacity:
            self._set.discard(self._order.popleft())
