"""The event store in two tiers: the hot tail in Redis, the finished past in the archive.

`jasa log archive` moves events of finished dossiers, sealed under a signed checkpoint, out
of Redis (services/reporting/trimming.py); this store gives every reader the one log all the
same, through the same port. Up to the trim point (the last position trimmed, kept in
Redis) a page is the archive's trimmed events and Redis's entries merged by position; a
position in both (marked trimmed, not yet taken out of Redis) is handed once. After it, and
while nothing was trimmed, only Redis is read. An aggregate whose first events were trimmed
loads them from the archive, then the rest from Redis; its version counts them both
(append.lua checks the same). Appends go to Redis alone."""

import asyncio
from collections.abc import AsyncGenerator, Sequence
from contextlib import aclosing

from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.keys import Keys
from shared.redis_client import NO_ACKS, ReplicaAcks
from shared.store import Recorded, StreamWrite, position_key
from shared.stores.archived import ArchiveReader
from shared.stores.redis import RedisEventStore


class ArchiveBehind(Exception):
    """Redis counts more trimmed events of a stream than the archive gives back: the
    archive read is not the one the events were trimmed to (a wrong archive database)."""


class TieredEventStore:
    def __init__(self, hot: RedisEventStore, archive: ArchiveReader) -> None:
        self.hot, self.archive = hot, archive
        self.keys = hot.keys

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
            return await self.hot.read(after, limit, until)
        last = point if until is None or position_key(until) > position_key(point) else until
        cold, hot = await asyncio.gather(
            self.archive.after(after, last, limit), self.hot.read(after, limit, until)
        )
        return merged(cold, hot)[:limit]

    async def pages(
        self, after: str = "0-0", limit: int = 1000, until: str | None = None
    ) -> AsyncGenerator[list[Recorded], None]:
        point = await self.hot.trim_point()
        while point is not None and position_key(after) < position_key(point):
            page = await self.read(after, limit, until)
            if not page:
                return
            yield page
            after = page[-1].position
        # Past the trim point the log is Redis's alone, read ahead as Redis's store reads it.
        async with aclosing(self.hot.pages(after, limit, until)) as pages:
            async for page in pages:
                yield page

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


def tiered_store(
    redis: Redis | RedisCluster, keys: Keys, archive: AsyncEngine, acks: ReplicaAcks = NO_ACKS
) -> TieredEventStore:
    """One office's log: Redis (an append answered once `acks` replicas hold it), and the
    archive's database for what was trimmed from it."""
    return TieredEventStore(RedisEventStore(redis, keys, acks), ArchiveReader(archive, keys.office))
