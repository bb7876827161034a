"""The event store port: what the log asks of wherever events are kept, over stored bytes.

A store knows nothing of events as the domain sees them. It appends a command's records to
several streams at once, all or nothing, each stream at the version the command expects;
it answers a retried command (the same event ids) with what the first attempt stored; and
it keeps every record in one total order, the office's global log, read page by page from
a position. shared.stores holds the two implementations (Redis, in memory); one contract
suite (tests/integration/test_event_store_contract.py) runs against both."""

from collections.abc import AsyncGenerator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

import orjson

from shared.events.codec import EVENT_FIELD, TYPE_FIELD


class ConcurrencyConflict(Exception):
    """The stream moved on since the command read it: nothing was written."""

    def __init__(self, stream_id: str, expected: int, actual: int) -> None:
        super().__init__(f"stream {stream_id} is at version {actual}, expected {expected}")
        self.stream_id, self.expected, self.actual = stream_id, expected, actual


class NotReplicated(Exception):
    """Fewer replicas than asked confirmed a write in time: it may be kept or lost, so it
    is not acknowledged; its retry is safe (the same event ids are appended once)."""

    def __init__(self, wanted: int, confirmed: object) -> None:
        super().__init__(f"{wanted} replicas were to confirm the write; {confirmed!r} did")
        self.wanted, self.confirmed = wanted, confirmed


class IdempotencyMismatch(Exception):
    """Some, not all, of a command's event ids were appended before: a client bug."""


@dataclass(frozen=True, slots=True)
class NewRecord:
    """One event to append: its id (what makes a retry a no-op), its type and its bytes."""

    event_id: str
    type: str
    body: bytes


@dataclass(frozen=True, slots=True)
class StreamWrite:
    """The records one command adds to one stream, and the version it expects it at."""

    stream_id: str
    expected_version: int
    records: Sequence[NewRecord]


class Recorded(NamedTuple):
    """One stored event: its position in the global log and its entry's fields as stored
    (the type and the encoded event, unless someone wrote others: an audit sees them all).

    The encoded event names its own stream, version and id, so the store keeps no second
    copy of them; they are read from the bytes only when asked, and a page is never parsed
    twice. A tuple, as a page holds a thousand of them."""

    position: str
    entry: Mapping[bytes, bytes]

    @classmethod
    def of(cls, position: str, type_name: str, body: bytes) -> "Recorded":
        return cls(position, {TYPE_FIELD: type_name.encode(), EVENT_FIELD: body})

    @property
    def type(self) -> str:
        return self.entry.get(TYPE_FIELD, b"").decode()

    @property
    def body(self) -> bytes:
        return self.entry.get(EVENT_FIELD, b"")

    @property
    def event_id(self) -> str:
        return str(self._named()["event_id"])

    @property
    def stream_id(self) -> str:
        return str(self._named()["stream_id"])

    @property
    def version(self) -> int:
        return int(self._named()["version"])

    def _named(self) -> dict[str, Any]:
        named = orjson.loads(self.body)
        if not isinstance(named, dict):
            raise ValueError(f"the event at {self.position} is not a JSON object")
        return named


def position_key(position: str) -> tuple[int, int]:
    """A position (`<ms>-<seq>`, as Redis stream ids are) as two numbers: in the log's order."""
    ms, _, seq = position.partition("-")
    return int(ms), int(seq or 0)


class EventStore(Protocol):
    async def append(self, writes: Sequence[StreamWrite]) -> list[Recorded]:
        """Append one command's records to their streams, all or nothing, in the order
        given. A stream not at its expected version raises ConcurrencyConflict; event ids
        all appended before return what was stored then; only some of them raise
        IdempotencyMismatch. Nothing is written in either error."""
        ...

    async def load(self, stream_id: str) -> list[Recorded]:
        """One stream's records, oldest first ([] for a stream never written)."""
        ...

    async def load_many(self, stream_ids: Sequence[str]) -> list[list[Recorded]]:
        """`load` of several streams, in the order given, in one step."""
        ...

    async def version(self, stream_id: str) -> int:
        """How many records the stream holds: the version its next append expects."""
        ...

    async def read(
        self, after: str = "0-0", limit: int = 1000, until: str | None = None
    ) -> list[Recorded]:
        """Up to `limit` records of the global log after `after` (and up to and including
        `until`, when given), in the log's order."""
        ...

    def pages(
        self, after: str = "0-0", limit: int = 1000, until: str | None = None
    ) -> AsyncGenerator[list[Recorded], None]:
        """The global log after `after`, `read` page after page until it is exhausted."""
        ...

    async def at(self, position: str) -> Recorded | None:
        """The record at one position of the global log, or None."""
        ...

    async def find(self, event_id: str) -> Recorded | None:
        """The record of one event id, or None."""
        ...
