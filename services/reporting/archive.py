"""The archive: every event of the office log, in log order, sealed by a hash chain and
signed checkpoints, written in the same transaction as the read models it feeds.

The consumer delivers at least once and, after a crash, possibly out of order; the
archive must not be. So the handler, given the event at position P, archives nothing
itself: if P is archived it returns; otherwise it reads the log from the archive's head to
its end and archives and projects each page of events in one transaction. Replay
(`jasa audit replay`) feeds pages of the log to the same `archive_events`.

The chain hashes each event as the log stores it, personal data sealed: erasing a
person's data (destroying their key) changes no hash. The read models are fed the event
revealed, live and in replay alike, so both read `[dihapus]` once the key is gone.

Each office has its own archive, chain and checkpoints (the office is part of every key),
kept by its own Archivist on its own log. The archive holds the log as it is; only the
events of the log's own office are projected."""

import asyncio
import logging
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import UniqueConstraint, insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.reporting.projections import project_all
from services.reporting.sealing import Sealer, chain
from shared.consumer import Reveal, as_stored
from shared.db import database_unreachable, position_key
from shared.events import Envelope, decode_entry, encode
from shared.log import EventLog

log = logging.getLogger("jasa.reporting.archive")


class ArchivedEvent(SQLModel, table=True):
    """One event as the log held it when archived: its canonical bytes and chain hash."""

    __tablename__ = "reporting_archive"
    __table_args__ = (UniqueConstraint("office", "position"),)
    office: str = Field(primary_key=True, max_length=8)
    seq: int = Field(primary_key=True, description="1-based number in its office's log order")
    position: str = Field(max_length=40)
    event_id: str = Field(index=True, max_length=36)
    type: str = Field(max_length=40)
    chain_hash: str = Field(max_length=64)
    body: str = Field(description="shared.events.encode(envelope), as UTF-8 text")


class Checkpoint(SQLModel, table=True):
    """A seal: the signed chain hash after `count` events, the last at `position`."""

    __tablename__ = "reporting_checkpoint"
    office: str = Field(primary_key=True, max_length=8)
    count: int = Field(primary_key=True)
    position: str = Field(max_length=40)
    chain_hash: str = Field(max_length=64)
    signature: str = Field(max_length=120)
    sealed_at: datetime


@dataclass(frozen=True, slots=True)
class ChainHead:
    count: int
    position: str
    chain_hash: str


EMPTY = ChainHead(0, "0-0", "")


async def chain_head(session: AsyncSession, office: str) -> ChainHead:
    query = (
        select(ArchivedEvent)
        .where(ArchivedEvent.office == office)
        .order_by(col(ArchivedEvent.seq).desc())
        .limit(1)
    )
    last = (await session.exec(query)).first()
    return ChainHead(last.seq, last.position, last.chain_hash) if last else EMPTY


async def is_archived(session: AsyncSession, office: str, position: str) -> bool:
    query = select(ArchivedEvent.seq).where(
        ArchivedEvent.office == office, ArchivedEvent.position == position
    )
    return (await session.exec(query)).first() is not None


async def archive_events(
    session: AsyncSession,
    office: str,
    events: Sequence[Envelope],
    head: ChainHead,
    sealer: Sealer | None = None,
    checkpoint_every: int = 1000,
    reveal: Reveal = as_stored,
) -> ChainHead:
    """Archive `events` as stored (the next ones of the office's log after `head`, in
    order) and project them revealed, in the session's transaction."""
    rows: list[dict[str, object]] = []
    own: list[tuple[Envelope, int]] = []
    for event in events:
        assert event.position is not None, "only appended events are archived"
        body = encode(event)
        head = ChainHead(head.count + 1, event.position, chain(head.chain_hash, body))
        rows.append({
            "office": office, "seq": head.count, "position": head.position,
            "event_id": str(event.event_id), "type": event.type,
            "chain_hash": head.chain_hash, "body": body.decode(),
        })  # fmt: skip
        if event.office == office:  # another office's event here is for `verify`, not the cards
            own.append((await reveal(event), head.count))
        if sealer is not None and head.count % checkpoint_every == 0:
            session.add(seal(sealer, head))
    if rows:
        # First: another process that archived these events already makes this fail at once.
        connection = await session.connection()
        await connection.execute(insert(ArchivedEvent.__table__), rows)  # type: ignore[attr-defined]
    await project_all(session, office, own)
    return head


def readable(page: Sequence[tuple[bytes, Mapping[bytes, bytes]]]) -> list[Envelope]:
    """The events of a page of the log as stored. An entry no code can read (undecodable,
    or of a type not in the catalogue) is not an event: the consumers dead-letter it, the
    archive leaves it out, and `jasa audit verify` names its position."""
    events = []
    for entry_id, fields in page:
        try:
            events.append(decode_entry(entry_id, fields))
        except ValueError as error:
            log.error(
                "log entry %s is not an event; not archived: %s", entry_position(entry_id), error
            )
    return events


def entry_position(entry_id: bytes | str) -> str:
    return entry_id.decode() if isinstance(entry_id, bytes) else entry_id


def seal(sealer: Sealer, head: ChainHead) -> Checkpoint:
    return Checkpoint(
        office=sealer.office,
        count=head.count,
        position=head.position,
        chain_hash=head.chain_hash,
        signature=sealer.sign(head.position, head.count, head.chain_hash),
        sealed_at=datetime.now(UTC),
    )


async def seal_head(session: AsyncSession, sealer: Sealer) -> Checkpoint | None:
    """A checkpoint at the chain's head, unless one is there already (e.g. at shutdown)."""
    head = await chain_head(session, sealer.office)
    if head.count == 0 or await session.get(Checkpoint, (sealer.office, head.count)) is not None:
        return None
    checkpoint = seal(sealer, head)
    session.add(checkpoint)
    await session.commit()
    return checkpoint


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
                async with self.sessions() as session:
                    head = await archive_events(
                        session, self.office, events, before,
                        self.sealer, self.checkpoint_every, self.log.reveal,
                    )  # fmt: skip
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
