"""The event log: the one way the services write and read events.

It is a facade over two parts: an event store (shared.store; Redis in the services, memory
in the handlers' unit tests) that keeps records of bytes, and a mapper (shared.mapper)
that turns events into records and back, sealing personal data on the way in. Use cases
that load an aggregate or an event (`load`, `at`, `find`) get its personal data revealed.
`read` and `read_raw` (and `pages`, `raw_pages` to go through it all) give the log as
stored, sealed: the audit archive hashes that form, which erasing personal data never
changes."""

from collections.abc import AsyncGenerator, Iterator, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from itertools import islice
from uuid import UUID

from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster

from shared.events import Envelope, with_fields
from shared.keys import Keys
from shared.mapper import EventMapper
from shared.personal_data import PersonalData, PersonalFields
from shared.redis_client import NO_ACKS, ReplicaAcks
from shared.store import (
    ConcurrencyConflict,
    EventStore,
    IdempotencyMismatch,
    Recorded,
    StreamWrite,
)
from shared.stores.redis import RedisEventStore

__all__ = ["ConcurrencyConflict", "EventLog", "IdempotencyMismatch", "Write"]

# A log entry as stored: its id and its fields.
RawEntry = tuple[bytes, dict[bytes, bytes]]


@dataclass(frozen=True, slots=True)
class Write:
    """The events one command adds to one stream, and the version it expects that stream at."""

    stream_id: str
    expected_version: int
    events: Sequence[Envelope]


class EventLog:
    """The log of one office, on `store`: a Redis client, for a store of the office's keys
    on it, or any EventStore; given `privacy`, it seals and reveals personal data; `acks`
    is how many replicas of that Redis must hold an append before it is answered."""

    def __init__(
        self,
        store: Redis | RedisCluster | EventStore,
        keys: Keys,
        privacy: PersonalData | None = None,
        acks: ReplicaAcks = NO_ACKS,
    ) -> None:
        self.keys = keys
        if isinstance(store, Redis | RedisCluster):
            store = RedisEventStore(store, keys, acks)
        self.store: EventStore = store
        self.mapper = EventMapper(privacy)

    async def aclose(self) -> None:
        """Nothing of the log's own to close: the Redis client is its owner's."""

    async def reveal(self, event: Envelope) -> Envelope:
        """An event as stored, with its personal data readable (or erased)."""
        (revealed,) = await self.reveal_all([event])
        return revealed

    async def reveal_all(self, events: Sequence[Envelope]) -> list[Envelope]:
        """`reveal` of many events at once (one read of the key store for them all)."""
        return await self.mapper.reveal_all(events)

    async def reveal_only(self, events: Sequence[Envelope], only: PersonalFields) -> list[Envelope]:
        """`reveal_all` of just the personal fields `only` names (by event type): a reader
        that needs no more is spared opening the rest. The other fields stay sealed."""
        return await self.mapper.reveal_all(events, only)

    async def seal_bytes(self, dossier_id: UUID, purpose: str, data: bytes) -> bytes | None:
        """Personal data kept beside the log (a photo) sealed under its dossier's key, so that
        erasing the dossier makes it unreadable too; None when the dossier has no key."""
        privacy = self.mapper.privacy
        return data if privacy is None else await privacy.seal_bytes(dossier_id, purpose, data)

    async def open_bytes(self, dossier_id: UUID, purpose: str, sealed: bytes) -> bytes | None:
        privacy = self.mapper.privacy
        return sealed if privacy is None else await privacy.open_bytes(dossier_id, purpose, sealed)

    async def append(
        self, stream_id: str, events: Sequence[Envelope], expected_version: int
    ) -> list[Envelope]:
        """Append one command's events to one stream; they come back with version and position."""
        return await self.append_all([Write(stream_id, expected_version, events)])

    async def append_all(self, writes: Sequence[Write]) -> list[Envelope]:
        """Append one command's events to several streams, all or nothing."""
        stamped = [_stamp(write) for write in writes]
        events = [event for group in stamped for event in group]
        records = await self.mapper.to_records(events)
        rest = iter(records)
        stored = await self.store.append(
            [
                StreamWrite(write.stream_id, write.expected_version, list(islice(rest, len(group))))
                for write, group in zip(writes, stamped, strict=True)
            ]
        )
        # The store answers a retried command with what its first attempt stored. Records
        # kept byte for byte as sent are these very events; any other (sealed afresh, or
        # sent with other details) is read back as stored.
        if len(stored) == len(records) and all(
            kept.body == sent.body for kept, sent in zip(stored, records, strict=True)
        ):
            return [
                with_fields(e, position=r.position) for e, r in zip(events, stored, strict=True)
            ]
        return await self.mapper.revealed(stored)

    async def at(self, position: str) -> Envelope | None:
        """The event at one position of the global log, or None."""
        record = await self.store.at(position)
        return None if record is None else (await self.mapper.revealed([record]))[0]

    async def find(self, event_id: UUID | str) -> Envelope | None:
        """One event by its id (a point read through the event-id index), or None."""
        record = await self.store.find(str(event_id))
        return None if record is None else (await self.mapper.revealed([record]))[0]

    async def load(self, stream_id: str) -> list[Envelope]:
        """Every event of one aggregate, oldest first (personal data revealed)."""
        return await self.mapper.revealed(await self.store.load(stream_id))

    async def load_many(self, stream_ids: Sequence[str]) -> list[list[Envelope]]:
        """`load` of many aggregates at once, in the order given: their streams read in one
        step, their personal data revealed in one read of the key store. A recap of three
        hundred dossiers loads them as one, not three hundred."""
        streams = await self.store.load_many(stream_ids) if stream_ids else []
        revealed = iter(await self.mapper.revealed([r for records in streams for r in records]))
        return [[next(revealed) for _ in records] for records in streams]

    async def version(self, stream_id: str) -> int:
        return await self.store.version(stream_id)

    async def read(self, after: str = "0-0", limit: int = 1000) -> list[Envelope]:
        """A page of the global log as stored (sealed): up to `limit` events after `after`."""
        return [self.mapper.stored(record) for record in await self.store.read(after, limit)]

    async def read_raw(
        self, after: str = "0-0", limit: int = 1000, until: str | None = None
    ) -> list[RawEntry]:
        """A page of the global log as stored (up to and including `until`, when given),
        every field of each entry, for auditing what is actually there."""
        return [_raw(record) for record in await self.store.read(after, limit, until)]

    async def pages(
        self, after: str = "0-0", limit: int = 1000
    ) -> AsyncGenerator[Iterator[Envelope], None]:
        """The global log as stored (sealed), page after page. A page's events are decoded
        as the caller reaches them: one that folds them one by one keeps no page of decoded
        events alive, and leaves the garbage collector that much less to go over."""
        async with aclosing(self.store.pages(after, limit)) as pages:
            async for page in pages:
                yield map(self.mapper.stored, page)

    async def raw_pages(
        self, after: str = "0-0", limit: int = 1000, until: str | None = None
    ) -> AsyncGenerator[list[RawEntry], None]:
        """The global log as stored, page after page (up to and including `until`, when
        given), as `read_raw` gives each page."""
        # Closed with this generator, so that a read the store has asked for ahead stops too.
        async with aclosing(self.store.pages(after, limit, until)) as pages:
            async for page in pages:
                yield [_raw(record) for record in page]


def _raw(record: Recorded) -> RawEntry:
    return record.position.encode(), dict(record.entry)


def _stamp(write: Write) -> list[Envelope]:
    ids = [event.event_id for event in write.events]
    if len(set(ids)) != len(ids):
        raise ValueError("one command holds the same event id twice")
    return [
        with_fields(event, version=write.expected_version + n, stream_id=write.stream_id)
        for n, event in enumerate(write.events, start=1)
    ]
