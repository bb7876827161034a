"""The audit archive as the other tier of the event store: the events trimmed from Redis,
read back from the reporting database's archive table, entry for entry as the log held them.

The archive (services/reporting/archive.py owns the table) keeps each event's canonical
bytes, position included, for the hash chain; a log entry keeps the same bytes without the
position. So an entry is the archived bytes with the position taken out, and where the log
held other bytes (an event of an older schema version) the archive keeps those too. Only
rows marked trimmed are read here: the rest of the log is in Redis. The table is declared
again here with just the columns read, so no service imports the reporting service's code
(and no service's database gets the table)."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Column, Integer, MetaData, String, Table, Text, select
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.events.codec import EVENT_FIELD, TYPE_FIELD
from shared.store import Recorded, position_key

ARCHIVE = Table(
    "reporting_archive",
    MetaData(),
    Column("office", String, primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("position", String),
    Column("event_id", String),
    Column("type", String),
    Column("stream_id", String),
    Column("body", Text),
    Column("stored_event", Text),
    Column("trimmed_by", String),
)
COLUMNS = (ARCHIVE.c.position, ARCHIVE.c.type, ARCHIVE.c.body, ARCHIVE.c.stored_event)


def logged_bytes(body: str, position: str) -> bytes:
    """What the log stores for an event archived as `body` at `position`: the canonical
    bytes without the position (sorted keys put it after `data`, so the last occurrence is
    the envelope's own; a string inside the event cannot hold an unescaped quote). Cut from
    the text the database gives, then encoded once: fewer copies than cutting bytes."""
    head, found, tail = body.rpartition(f',"position":"{position}"')
    if not found:
        raise ValueError(f"the archived event at {position} does not hold its position")
    return (head + tail).encode()


def entry_of(position: str, type_name: str, body: str, stored_event: str | None) -> Recorded:
    """The log entry of an archived event, byte for byte as the log held it."""
    event = stored_event.encode() if stored_event is not None else logged_bytes(body, position)
    return Recorded(position, {TYPE_FIELD: type_name.encode(), EVENT_FIELD: event})


def _entries(rows: Sequence[Any]) -> list[Recorded]:
    """The entries of rows whose last four columns are COLUMNS (unpacked: a row's names are
    looked up one by one otherwise)."""
    return [entry_of(*row[-4:]) for row in rows]


class ArchiveReader:
    """The trimmed events of one office, read from the archive's database (async engine)."""

    def __init__(self, engine: AsyncEngine, office: str) -> None:
        self.engine, self.office = engine, office
        self._trimmed = (ARCHIVE.c.office == office) & ARCHIVE.c.trimmed_by.is_not(None)

    async def page(self, after: int, up_to: int, limit: int) -> tuple[list[Recorded], int]:
        """Up to `limit` trimmed events numbered after `after`, up to and including `up_to`,
        and the number to read on from: one keyset query, rows decoded as they come."""
        query = (
            select(ARCHIVE.c.seq, *COLUMNS)
            .where(self._trimmed, ARCHIVE.c.seq > after, ARCHIVE.c.seq <= up_to)
            .order_by(ARCHIVE.c.seq)
            .limit(limit)
        )
        async with self.engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        # A short page is the last of the range, however many untrimmed rows it passed over.
        return _entries(rows), rows[-1].seq if len(rows) == limit else up_to

    async def of_streams(self, stream_ids: Sequence[str]) -> dict[str, list[Recorded]]:
        """The trimmed events of these streams, each stream's oldest first."""
        found: dict[str, list[Recorded]] = {stream_id: [] for stream_id in stream_ids}
        async with self.engine.connect() as connection:
            for start in range(0, len(stream_ids), 500):
                chunk = list(stream_ids[start : start + 500])
                query = (
                    select(ARCHIVE.c.stream_id, *COLUMNS)
                    .where(self._trimmed, ARCHIVE.c.stream_id.in_(chunk))
                    .order_by(ARCHIVE.c.seq)
                )
                for row in (await connection.execute(query)).all():
                    found[row.stream_id] += _entries([row])
        return found

    async def at(self, position: str) -> Recorded | None:
        return await self._one(ARCHIVE.c.position == position)

    async def find(self, event_id: str) -> Recorded | None:
        return await self._one(ARCHIVE.c.event_id == event_id)

    async def _one(self, condition: Any) -> Recorded | None:
        async with self.engine.connect() as connection:
            query = select(*COLUMNS).where(self._trimmed, condition).limit(1)
            rows = (await connection.execute(query)).all()
        return _entries(rows)[0] if rows else None

    async def seq_at_or_before(self, position: str) -> int:
        """The number of the last archived event at or before `position` (0: none)."""
        if position_key(position) == (0, 0):
            return 0
        async with self.engine.connect() as connection:
            return await self._seq_at_or_before(connection, position)

    async def _seq_at_or_before(self, connection: Any, position: str) -> int:
        """A position read from this log is found at once; any other by halving the range."""
        mine = ARCHIVE.c.office == self.office
        exact = select(ARCHIVE.c.seq).where(mine, ARCHIVE.c.position == position)
        seq = (await connection.execute(exact)).scalar()
        if seq is not None:
            return int(seq)
        wanted = position_key(position)
        low, high = (
            0,
            int(
                (
                    await connection.execute(
                        select(ARCHIVE.c.seq).where(mine).order_by(ARCHIVE.c.seq.desc()).limit(1)
                    )
                ).scalar()
                or 0
            ),
        )
        while low < high:  # the last seq whose position is at or before the one wanted
            middle = (low + high + 1) // 2
            at = select(ARCHIVE.c.position).where(mine, ARCHIVE.c.seq == middle)
            found = (await connection.execute(at)).scalar()
            if found is not None and position_key(found) <= wanted:
                low = middle
            else:
                high = middle - 1
        return low
