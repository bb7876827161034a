"""The event store in two tiers: the hot tail in Redis, the finished past in the archive.

`jasa log archive` moves events of finished dossiers, sealed under a signed checkpoint, out
of Redis (services/reporting/trimming.py); this store gives every reader the one log all the
same, through the same port. Up to the trim point (the last position trimmed, kept in
Redis) the log is Redis's entries, a page at a time, with the archive's trimmed events
between them read in keyset pages (what is left in Redis there is sparse: the unfinished);
a position in both (marked trimmed, not yet taken out of Redis) is handed once. After it,
and while nothing was trimmed, only Redis is read. An aggregate whose first events were trimmed
loads them from the archive, then the rest from Redis; its version counts them both
(append.lua checks the same). Appends go to Redis alone."""

import asyncio
import bisect
from collections.abc import AsyncGenerator, Sequence
from contextlib import aclosing

from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.keys import Keys
from shared.redis_client import NO_ACKS, ReplicaAcks
from shared.store import Recorded, StreamWrite, position_key
from shared.stores.archived import ArchiveReader
from shared.stores.redis import RedisEventStore, until_sent


class ArchiveBehind(Exception):
    """Redis counts more trimmed events of a stream than the archive gives back: the
    archive read is not the one the events were trimmed to (a wrong archive database)."""


# Rows a pass over the log asks of the archive at a time, whatever the size of its pages: each
# query costs its round trips to the database (to SQLite's thread or PostgreSQL's server)
# however many rows it brings, and a pass over years of archive makes hundreds of thousands.
ARCHIVE_READ = 5000


class TieredEventStore:
    def __init__(
        self, hot: RedisEventStore, archive: ArchiveReader, archive_read: int = ARCHIVE_READ
    ) -> None:
        self.hot, self.archive = hot, archive
        self.keys = hot.keys
        self.archive_read = archive_read

    async def append(self, writes: Sequence[StreamWrite]) -> list[Recorded]:
        return await self.hot.append(writes)

    async def version(self, stream_id: str) -> int:
        return await self.hot.version(stream_id)

    async def load(self, stream_id: str) -> list[Recorded]:
        (records,) = await self.load_many([stream_id])
        return records

    async def load_many(self, stream_ids: Sequence[str]) -> list[list[Recorded]]:
        hot, counts = await asyncio.gather(
            self.hot.load_many(stream_ids), self.hot.trimmed_counts(stream_ids)
        )
        cold_ids = [stream_id for stream_id, count in zip(stream_ids, counts, strict=True) if count]
        if not cold_ids:
            return hot
        cold = await self.archive.of_streams(cold_ids)
        loaded = []
        for stream_id, records, count in zip(stream_ids, hot, counts, strict=True):
            if count:
                records = merged(cold[stream_id], records)
                if len(records) < count:
                    raise ArchiveBehind(
                        f"stream {stream_id} had {count} events trimmed; the archive read "
                        f"gives back {len(cold[stream_id])}"
                    )
            loaded.append(records)
        return loaded

    async def read(
        self, after: str = "0-0", limit: int = 1000, until: str | None = None
    ) -> list[Recorded]:
        point = await self.hot.trim_point()
        if point is None or position_key(after) >= position_key(point):
            page, now = await self._hot_page(after, limit, until)
            if now == point:  # the usual read, after the trim point: Redis's alone
                return page
        # One page, so the archive is asked for no more than a page either.
        async with aclosing(self.pages(after, limit, until, archive_read=limit)) as pages:
            return await anext(pages, [])

    async def pages(
        self,
        after: str = "0-0",
        limit: int = 1000,
        until: str | None = None,
        archive_read: int | None = None,
    ) -> AsyncGenerator[list[Recorded], None]:
        """The log in pages of `limit` (the last may be short), the archive read
        `archive_read` rows at a time (the store's, or a page if that is more, unless given)."""
        reads = archive_read or max(limit, self.archive_read)
        held: list[Recorded] = []
        async with aclosing(self._runs(after, limit, until, reads)) as runs:
            async for run in runs:
                if not held and len(run) == limit:
                    yield run
                    continue
                held += run
                while len(held) >= limit:
                    yield held[:limit]
                    held = held[limit:]
        if held:
            yield held

    async def _runs(
        self, after: str, limit: int, until: str | None, archive_read: int
    ) -> AsyncGenerator[list[Recorded], None]:
        """The log as runs of records in order: up to the trim point both tiers merged, then
        Redis's pages. A Redis page is taken only if the trim point has not passed its start
        by the time it was read (trim.lua moves the point as it takes entries out); if it
        has, the part newly trimmed is read from both tiers, so `jasa log archive` running
        meanwhile makes no event skipped."""
        point = await self.hot.trim_point()
        while True:
            if point is not None and position_key(after) < position_key(point):
                bound = point
                if until is not None and position_key(until) < position_key(point):
                    bound = until
                async with aclosing(self._both(after, bound, limit, archive_read)) as runs:
                    async for run in runs:
                        yield run
                if bound != point:
                    return
                after = point
            upcoming = asyncio.ensure_future(self._hot_page(after, limit, until))
            try:
                while True:
                    page, now = await upcoming
                    if now != point:
                        point = now
                        break
                    if not page:
                        return
                    upcoming = asyncio.ensure_future(
                        self._hot_page(page[-1].position, limit, until)
                    )
                    await until_sent()
                    yield page
                    after = page[-1].position
            finally:
                # The read ahead may be on its way by now: it is cancelled, and waited for.
                upcoming.cancel()
                await asyncio.wait([upcoming])

    async def _hot_page(
        self, after: str, limit: int, until: str | None
    ) -> tuple[list[Recorded], str | None]:
        """A page of Redis's log and the trim point read after it."""
        page = await self.hot.read(after, limit, until)
        return page, await self.hot.trim_point()

    async def _both(
        self, after: str, bound: str, limit: int, archive_read: int
    ) -> AsyncGenerator[list[Recorded], None]:
        """The log after `after` up to and including `bound` (at most the trim point): in
        windows of a page of Redis's entries, read first, then the archive's trimmed events
        up to the window's end, `archive_read` at a time, Redis's entries merged in between.
        Reading Redis first means an event trimmed meanwhile is in the archive marked when
        that is read."""
        seq = await self.archive.seq_at_or_before(after)
        while position_key(after) < position_key(bound):
            hot = await self.hot.read(after, limit, bound)
            reach = hot[-1].position if len(hot) == limit else bound
            last = await self.archive.seq_at_or_before(reach)
            while seq < last:
                cold, seq = await self.archive.page(seq, last, archive_read)
                if seq < last:  # more of the archive comes: Redis's entries up to here now
                    end = position_key(cold[-1].position)
                    cut = bisect.bisect_right(hot, end, key=_key)
                    now, hot = hot[:cut], hot[cut:]
                else:
                    now, hot = hot, []
                yield merged(cold, now) if now else cold
            if hot:
                yield hot
            after = reach

    async def at(self, position: str) -> Recorded | None:
        found = await self.hot.at(position)
        if found is not None:
            return found
        point = await self.hot.trim_point()
        if point is None or position_key(position) > position_key(point):
            return None
        return await self.archive.at(position)

    async def find(self, event_id: str) -> Recorded | None:
        found = await self.hot.find(event_id)
        if found is not None or await self.hot.trim_point() is None:
            return found  # while nothing was trimmed, the archive holds nothing more
        return await self.archive.find(event_id)


def merged(cold: Sequence[Recorded], hot: Sequence[Recorded]) -> list[Recorded]:
    """Two runs of records, each in the log's order, as one: a position in both once (the
    one Redis holds)."""
    held = {record.position for record in hot}
    records = [record for record in cold if record.position not in held] + list(hot)
    return sorted(records, key=lambda record: position_key(record.position))


def _key(record: Recorded) -> tuple[int, int]:
    return position_key(record.position)


def tiered_store(
    redis: Redis | RedisCluster,
    keys: Keys,
    archive: AsyncEngine,
    acks: ReplicaAcks = NO_ACKS,
    archive_read: int = ARCHIVE_READ,
) -> TieredEventStore:
    """One office's log: Redis (an append answered once `acks` replicas hold it), and the
    archive's database for what was trimmed from it."""
    return TieredEventStore(
        RedisEventStore(redis, keys, acks), ArchiveReader(archive, keys.office), archive_read
    )
