"""The event store in memory: the same contract as Redis's, for tests that need no server
(the handlers' unit tests) and as the contract suite's second implementation."""

import asyncio
import bisect
import time
from collections.abc import AsyncGenerator, Sequence

from shared.store import (
    ConcurrencyConflict,
    IdempotencyMismatch,
    Recorded,
    StreamWrite,
    position_key,
)


class InMemoryEventStore:
    def __init__(self) -> None:
        self._log: list[Recorded] = []
        self._order: list[tuple[int, int]] = []  # each record's position as numbers
        self._streams: dict[str, list[Recorded]] = {}
        self._positions: dict[str, str] = {}  # event id -> position
        self._lock = asyncio.Lock()

    async def append(self, writes: Sequence[StreamWrite]) -> list[Recorded]:
        records = [record for write in writes for record in write.records]
        async with self._lock:
            known = [self._positions[r.event_id] for r in records if r.event_id in self._positions]
            if known and len(known) == len(records):
                return [self._log[bisect.bisect_left(self._order, position_key(p))] for p in known]
            if known:
                raise IdempotencyMismatch("only some of this command's events were appended before")
            for write in writes:
                actual = len(self._streams.get(write.stream_id, []))
                if actual != write.expected_version:
                    raise ConcurrencyConflict(write.stream_id, write.expected_version, actual)
            stored = []
            for write in writes:
                stream = self._streams.setdefault(write.stream_id, [])
                for record in write.records:
                    recorded = Recorded.of(self._next_position(), record.type, record.body)
                    self._log.append(recorded)
                    self._order.append(position_key(recorded.position))
                    stream.append(recorded)
                    self._positions[record.event_id] = recorded.position
                    stored.append(recorded)
            return stored

    def _next_position(self) -> str:
        """A position as Redis makes one: the time in milliseconds, then a sequence number
        for the entries of one millisecond, never going back."""
        now = time.time_ns() // 1_000_000
        last_ms, last_seq = self._order[-1] if self._order else (0, 0)
        return f"{now}-0" if now > last_ms else f"{last_ms}-{last_seq + 1}"

    async def load(self, stream_id: str) -> list[Recorded]:
        return list(self._streams.get(stream_id, []))

    async def load_many(self, stream_ids: Sequence[str]) -> list[list[Recorded]]:
        return [await self.load(stream_id) for stream_id in stream_ids]

    async def version(self, stream_id: str) -> int:
        return len(self._streams.get(stream_id, []))

    async def read(
        self, after: str = "0-0", limit: int = 1000, until: str | None = None
    ) -> list[Recorded]:
        start = bisect.bisect_right(self._order, position_key(after))
        end = (
            len(self._log)
            if until is None
            else bisect.bisect_right(self._order, position_key(until))
        )
        return self._log[start : min(end, start + limit)]

    async def pages(
        self, after: str = "0-0", limit: int = 1000, until: str | None = None
    ) -> AsyncGenerator[list[Recorded], None]:
        while page := await self.read(after, limit, until):
            yield page
            after = page[-1].position

    async def at(self, position: str) -> Recorded | None:
        key = position_key(position)
        index = bisect.bisect_left(self._order, key)
        found = index < len(self._order) and self._order[index] == key
        return self._log[index] if found else None

    async def find(self, event_id: str) -> Recorded | None:
        position = self._positions.get(event_id)
        return None if position is None else await self.at(position)
