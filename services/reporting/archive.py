"""The archive: every event of the office log, in log order, sealed by a hash chain and
signed checkpoints, written in the same transaction as the read models it feeds.

The consumer delivers at least once and, after a crash, possibly out of order; the
archive must not be. So the handler, given the event at position P, archives nothing
itself: if P is archived it returns; otherwise it reads the log from the archive's head up
to and including P and archives and projects each event in turn, all in one transaction.
Replay (`jasa audit replay`) feeds pages of the log to the same `archive_events`."""

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.reporting.projections import project
from services.reporting.sealing import Sealer, chain
from shared.db import position_key
from shared.events import Envelope, decode_entry, encode
from shared.log import EventLog

log = logging.getLogger("jasa.reporting.archive")


class ArchivedEvent(SQLModel, table=True):
    """One event as the log held it when archived: its canonical bytes and chain hash."""

    __tablename__ = "reporting_archive"
    seq: int = Field(primary_key=True, description="1-based number in log order")
    position: str = Field(unique=True, max_length=40)
    event_id: str = Field(index=True, max_length=36)
    type: str = Field(max_length=40)
    chain_hash: str = Field(max_length=64)
    body: str = Field(description="shared.events.encode(envelope), as UTF-8 text")


class Checkpoint(SQLModel, table=True):
    """A seal: the signed chain hash after `count` events, the last at `position`."""

    __tablename__ = "reporting_checkpoint"
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


async def chain_head(session: AsyncSession) -> ChainHead:
    last = (
        await session.exec(select(ArchivedEvent).order_by(col(ArchivedEvent.seq).desc()).limit(1))
    ).first()
    return ChainHead(last.seq, last.position, last.chain_hash) if last else EMPTY


async def is_archived(session: AsyncSession, position: str) -> bool:
    query = select(ArchivedEvent.seq).where(ArchivedEvent.position == position)
    return (await session.exec(query)).first() is not None


async def archive_events(
    session: AsyncSession,
    events: Sequence[Envelope],
    head: ChainHead,
    sealer: Sealer | None = None,
    checkpoint_every: int = 1000,
) -> ChainHead:
    """Archive and project `events`, the next ones of the log after `head`, in order."""
    for event in events:
        assert event.position is not None, "only appended events are archived"
        body = encode(event)
        head = ChainHead(head.count + 1, event.position, chain(head.chain_hash, body))
        session.add(
            ArchivedEvent(
                seq=head.count,
                position=head.position,
                event_id=str(event.event_id),
                type=event.type,
                chain_hash=head.chain_hash,
                body=body.decode(),
            )
        )
        await project(session, event, head.count)
        if sealer is not None and head.count % checkpoint_every == 0:
            session.add(seal(sealer, head))
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
        count=head.count,
        position=head.position,
        chain_hash=head.chain_hash,
        signature=sealer.sign(head.position, head.count, head.chain_hash),
        sealed_at=datetime.now(UTC),
    )


async def seal_head(session: AsyncSession, sealer: Sealer) -> Checkpoint | None:
    """A checkpoint at the chain's head, unless one is there already (e.g. at shutdown)."""
    head = await chain_head(session)
    if head.count == 0 or await session.get(Checkpoint, head.count) is not None:
        return None
    checkpoint = seal(sealer, head)
    session.add(checkpoint)
    await session.commit()
    return checkpoint


class Archivist:
    """The projection handler of the reporting service (see the module's docstring)."""

    def __init__(
        self,
        log: EventLog,
        sessions: async_sessionmaker[AsyncSession],
        sealer: Sealer | None,
        checkpoint_every: int = 1000,
        page_size: int = 500,
    ) -> None:
        self.log, self.sessions, self.sealer = log, sessions, sealer
        self.checkpoint_every, self.page_size = checkpoint_every, page_size
        # The consumer's two subscribers may call at once; one catch-up at a time per process.
        # Between processes the archive's unique seq and position make the loser retry.
        self._lock = asyncio.Lock()

    async def __call__(self, event: Envelope) -> None:
        assert event.position is not None, "the consumer hands over appended events"
        target = position_key(event.position)
        async with self._lock, self.sessions() as session:
            if await is_archived(session, event.position):
                return
            head = await chain_head(session)
            if target <= position_key(head.position):
                log.warning(
                    "event %s is not archived but lies before the archive's head %s: it was "
                    "put into the log afterwards; `jasa audit verify` will name it",
                    event.position,
                    head.position,
                )
                return
            after = head.position
            while position_key(after) < target:
                # Only up to the event itself: a consumer far behind reads no page twice.
                page = await self.log.read_raw(after, self.page_size, until=event.position)
                if not page:
                    break  # the event left the log since it was delivered; verify will say so
                head = await archive_events(
                    session, readable(page), head, self.sealer, self.checkpoint_every
                )
                after = entry_position(page[-1][0])
            await session.commit()
