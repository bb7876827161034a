"""The event log client: the one way events are written and read.

Append is one server-side Lua step (EVALSHA; Redis 6.2 and 7 alike) that checks each
stream's expected version, drops a command whose event ids were already appended, writes
all of a command's events or none, and adds them to the office's global log in one total
order. Each event is also kept in its aggregate's own stream under the same id, so loading
an aggregate never scans the log. The step goes on the log's own connection (shared.wire),
which costs the client less than redis-py's way; reads go through the Redis client.

Given a `privacy` (shared.privacy.Privacy), the log seals personal data before it is
written, whichever use case appends, and reveals it to use cases that load an aggregate or
an event (`load`, `at`, `find`). `read` and `read_raw` (and `pages`, `raw_pages` to go
through it all) give the log as stored, sealed: the audit archive hashes that form, which
erasing personal data never changes."""

import asyncio
import itertools
from collections.abc import AsyncGenerator, Iterator, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from hashlib import sha1
from importlib.resources import files
from itertools import starmap
from uuid import UUID

from redis.asyncio import Redis
from redis.exceptions import NoScriptError

from shared.events import Envelope, decode_entry, encode_for_log, with_fields
from shared.keys import Keys
from shared.personal_data import NO_NEW_KEYS, NewKeys, PersonalData, PersonalFields
from shared.replies import Reply, as_sent, entry_id_text, reply_entries, reply_event, reply_events
from shared.wire import Wire

_APPEND_SCRIPT = files("shared").joinpath("append.lua").read_text()
_APPEND_SHA = sha1(_APPEND_SCRIPT.encode()).hexdigest()


class ConcurrencyConflict(Exception):
    """The stream moved on since the command read it: nothing was written."""

    def __init__(self, stream_id: str, expected: int, actual: int) -> None:
        super().__init__(f"stream {stream_id} is at version {actual}, expected {expected}")
        self.stream_id, self.expected, self.actual = stream_id, expected, actual


class IdempotencyMismatch(Exception):
    """Some, not all, of a command's event ids were appended before: a client bug."""


@dataclass(frozen=True, slots=True)
class Write:
    """The events one command adds to one stream, and the version it expects that stream at."""

    stream_id: str
    expected_version: int
    events: Sequence[Envelope]


class EventLog:
    def __init__(
        self,
        redis: Redis,
        keys: Keys,
        privacy: PersonalData | None = None,
        wire: Wire | None = None,
    ) -> None:
        self.redis = redis
        self.keys = keys
        self.privacy = privacy
        self._as_sent: Redis | None = None
        # The append's own connection (shared.wire), to the server the client's go to.
        self._wire = wire or Wire(redis)

    async def aclose(self) -> None:
        """Close the log's own connection (the Redis client's are its owner's to close)."""
        await self._wire.aclose()

    async def reveal(self, event: Envelope) -> Envelope:
        """An event as stored, with its personal data readable (or erased)."""
        (revealed,) = await self.reveal_all([event])
        return revealed

    async def reveal_all(self, events: Sequence[Envelope]) -> list[Envelope]:
        """`reveal` of many events at once (one read of the key store for them all)."""
        return await self.privacy.reveal_all(events) if self.privacy is not None else list(events)

    async def reveal_only(self, events: Sequence[Envelope], only: PersonalFields) -> list[Envelope]:
        """`reveal_all` of just the personal fields `only` names (by event type): a reader
        that needs no more is spared opening the rest. The other fields stay sealed."""
        if self.privacy is None:
            return list(events)
        return await self.privacy.reveal_all(events, only)

    async def append(
        self, stream_id: str, events: Sequence[Envelope], expected_version: int
    ) -> list[Envelope]:
        """Append one command's events to one stream; they come back with version and position."""
        return await self.append_all([Write(stream_id, expected_version, events)])

    async def append_all(self, writes: Sequence[Write]) -> list[Envelope]:
        """Append one command's events to several streams, all or nothing."""
        stamped = [_stamp(write) for write in writes]
        flat = [event for events in stamped for event in events]
        # A new dossier's personal data is sealed here under a key made here, offered with
        # the append: one round trip. Data of a dossier that has a key (or had one, erased)
        # is sealed under the key store's: one step there for the whole command, then the
        # append.
        fresh = self.privacy.seal_new(flat) if self.privacy is not None else (flat, NO_NEW_KEYS)
        if fresh is not None:
            reply = await self._run_append(*self._append_step(writes, stamped, *fresh))
        if fresh is None or reply[0] == b"keyed":
            assert self.privacy is not None  # only a sealing log offers keys
            stored = await self.privacy.seal(flat)
            reply = await self._run_append(*self._append_step(writes, stamped, stored, NO_NEW_KEYS))
        outcome, *rest = (part.decode() if isinstance(part, bytes) else part for part in reply)
        if outcome == "conflict":
            key, actual = rest
            write = next(w for w in writes if self.keys.stream(w.stream_id) == key)
            raise ConcurrencyConflict(write.stream_id, write.expected_version, int(actual))
        if outcome == "mismatch":
            raise IdempotencyMismatch("only some of this command's events were appended before")
        if outcome == "dup":  # appended before: answer with what the log holds (revealed)
            return [e for e in [await self.at(position) for position in rest] if e is not None]
        return [with_fields(e, position=p) for e, p in zip(flat, rest, strict=True)]

    def _append_step(
        self,
        writes: Sequence[Write],
        stamped: list[list[Envelope]],
        stored: list[Envelope],
        new_keys: NewKeys,
    ) -> tuple[list[str], list[str | bytes | int]]:
        """The append script's keys and arguments: the writes, their events as stored, and
        the data keys offered with them (see append.lua)."""
        sealed = iter(stored)
        keys = [self.keys.log, self.keys.event_ids]
        args: list[str | bytes | int] = [len(writes)]
        for write, events in zip(writes, stamped, strict=True):
            keys.append(self.keys.stream(write.stream_id))
            args += [write.expected_version, len(events)]
            for event in itertools.islice(sealed, len(events)):
                args += [str(event.event_id), event.type, encode_for_log(event)]
        if new_keys.offers:
            keys.append(new_keys.store)
        args += [len(new_keys.offers) // 2, *new_keys.offers]
        return keys, args

    async def _run_append(self, keys: list[str], args: list[str | bytes | int]) -> list[bytes]:
        # EVALSHA straight away (no Script object in between); a server that does not know
        # the script yet (new, restarted, flushed) is given it once and asked again. Asked
        # again through redis-py too if the wire's connection fails: an append whose events
        # are in the log already is answered with them.
        try:
            return await self._wire.execute("EVALSHA", _APPEND_SHA, len(keys), *keys, *args)
        except NoScriptError:
            await self._wire.execute("SCRIPT", "LOAD", _APPEND_SCRIPT)
            return await self._wire.execute("EVALSHA", _APPEND_SHA, len(keys), *keys, *args)

    async def at(self, position: str) -> Envelope | None:
        """The event at one position of the global log, or None."""
        entries = await self._xrange(self.keys.log, position, 1)
        if not entries or entry_id_text(entries[0][0]) != position:
            return None
        return await self.reveal(decode_entry(*entries[0]))

    async def load(self, stream_id: str) -> list[Envelope]:
        """Every event of one aggregate, oldest first (personal data revealed)."""
        (events,) = await self._revealed(
            [await self._xrange_as_sent(self.keys.stream(stream_id), "-", None)]
        )
        return events

    async def load_many(self, stream_ids: Sequence[str]) -> list[list[Envelope]]:
        """`load` of many aggregates at once, in the order given: their streams read in one
        round trip on one connection, their personal data revealed in one read of the key
        store. A recap of three hundred dossiers loads them as one, not three hundred."""
        if not stream_ids:
            return []
        async with self._client_as_sent().pipeline(transaction=False) as pipe:
            for stream_id in stream_ids:
                pipe.execute_command("XRANGE", self.keys.stream(stream_id), "-", "+")
            replies: list[Reply] = await pipe.execute()
        return await self._revealed(replies)

    async def _revealed(self, replies: Sequence[Reply]) -> list[list[Envelope]]:
        """The events of each XRANGE reply, their personal data revealed all at once."""
        streams = [reply_events(reply) for reply in replies]
        revealed = iter(await self.reveal_all([event for events in streams for event in events]))
        return [list(itertools.islice(revealed, len(events))) for events in streams]

    async def version(self, stream_id: str) -> int:
        return int(await self.redis.xlen(self.keys.stream(stream_id)))

    async def find(self, event_id: UUID | str) -> Envelope | None:
        """One event by its id (a point read through the event-id index), or None."""
        position = await self.redis.hget(self.keys.event_ids, str(event_id))
        if position is None:
            return None
        return await self.at(position.decode() if isinstance(position, bytes) else str(position))

    async def read(self, after: str = "0-0", limit: int = 1000) -> list[Envelope]:
        """A page of the global log as stored (sealed): up to `limit` events after `after`."""
        return reply_events(await self._xrange_as_sent(self.keys.log, f"({after}", limit))

    async def read_raw(
        self, after: str = "0-0", limit: int = 1000, until: str | None = None
    ) -> list[tuple[bytes, dict[bytes, bytes]]]:
        """A page of the global log as stored (up to and including `until`, when given),
        for auditing what is actually there."""
        return reply_entries(await self._xrange_as_sent(self.keys.log, f"({after}", limit, until))

    async def pages(
        self, after: str = "0-0", limit: int = 1000
    ) -> AsyncGenerator[Iterator[Envelope], None]:
        """The global log as stored (sealed), page after page. A page's events are decoded
        as the caller reaches them: one that folds them one by one keeps no page of decoded
        events alive, and leaves the garbage collector that much less to go over."""
        async with aclosing(self._replies(after, limit, None)) as replies:
            async for reply in replies:
                yield starmap(reply_event, reply)

    async def raw_pages(
        self, after: str = "0-0", limit: int = 1000, until: str | None = None
    ) -> AsyncGenerator[list[tuple[bytes, dict[bytes, bytes]]], None]:
        """The global log as stored, page after page (up to and including `until`, when
        given), as `read_raw` gives each page."""
        # Closed with this generator, so that the read it has asked for ahead stops too.
        async with aclosing(self._replies(after, limit, until)) as replies:
            async for reply in replies:
                yield reply_entries(reply)

    async def _replies(
        self, after: str, limit: int, until: str | None
    ) -> AsyncGenerator[Reply, None]:
        # The next page is asked for as soon as a page arrives, so Redis prepares it while
        # the caller works on this one.
        key = self.keys.log
        upcoming = asyncio.ensure_future(self._xrange_as_sent(key, f"({after}", limit, until))
        try:
            while reply := await upcoming:
                last = entry_id_text(reply[-1][0])
                upcoming = asyncio.ensure_future(
                    self._xrange_as_sent(key, f"({last}", limit, until)
                )
                yield reply
        finally:
            upcoming.cancel()

    async def _xrange(
        self, key: str, start: str, count: int | None
    ) -> list[tuple[bytes, dict[bytes, bytes]]]:
        return reply_entries(await self._xrange_as_sent(key, start, count))

    async def _xrange_as_sent(
        self, key: str, start: str, count: int | None, end: str | None = None
    ) -> Reply:
        """XRANGE's reply as Redis sends it: redis-py's own reading of it makes a dict of
        every entry's fields, which costs more than anything else of reading a page."""
        command = ["XRANGE", key, start, end or "+"]
        if count is not None:
            command += ["COUNT", str(count)]
        return await self._client_as_sent().execute_command(*command)  # type: ignore[no-any-return]

    def _client_as_sent(self) -> Redis:
        """A client of the same connections that leaves XRANGE's reply as sent."""
        if self._as_sent is None:
            self._as_sent = Redis(connection_pool=self.redis.connection_pool)
            self._as_sent.set_response_callback("XRANGE", as_sent)
        return self._as_sent


def _stamp(write: Write) -> list[Envelope]:
    ids = [event.event_id for event in write.events]
    if len(set(ids)) != len(ids):
        raise ValueError("one command holds the same event id twice")
    return [
        with_fields(event, version=write.expected_version + n, stream_id=write.stream_id)
        for n, event in enumerate(write.events, start=1)
    ]
