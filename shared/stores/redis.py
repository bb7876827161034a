"""The event store on Redis Streams, through redis-py's public client and its pool.

Each event is an entry (`type`, `event`) of the office's global log, and a copy under the
same id in its stream's own, so loading one stream never scans the log; the hash of event
ids to positions makes a retried command a no-op. An append is one Lua step (append.lua)
that checks, writes and indexes atomically. Every key is one office's (shared.keys), under
its hash tag, and no command names two offices' keys: it all runs on Redis Cluster too."""

import asyncio
from collections.abc import AsyncGenerator, Sequence
from hashlib import sha1
from importlib.resources import files
from typing import Any, cast

from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster
from redis.exceptions import NoScriptError

from shared.keys import Keys
from shared.redis_client import NO_ACKS, ReplicaAcks
from shared.store import (
    ConcurrencyConflict,
    IdempotencyMismatch,
    NotReplicated,
    Recorded,
    StreamWrite,
)

APPEND_SCRIPT = files("shared").joinpath("append.lua").read_text()
TRIM_SCRIPT = files("shared").joinpath("trim.lua").read_text()

Arg = str | bytes | int
# Turns of the event loop given to the page read ahead before the page at hand is handed
# over: enough for redis-py to send it, with or without a socket timeout.
READ_AHEAD_TURNS = 3


async def until_sent() -> None:
    """Turns of the event loop for a read just scheduled to reach Redis. A caller that folds
    the page at hand without awaiting would otherwise hold that read back until it asks for
    the next page (redis-py sends it on its first or second turn)."""
    for _ in range(READ_AHEAD_TURNS):
        await asyncio.sleep(0)


# An entry as redis-py gives it: its id and its fields.
Entry = tuple[bytes, dict[bytes, bytes]]


class RedisEventStore:
    def __init__(
        self, redis: Redis | RedisCluster, keys: Keys, acks: ReplicaAcks = NO_ACKS
    ) -> None:
        self.redis = redis
        self.keys = keys
        self._appends = ScriptCalls(redis, APPEND_SCRIPT, acks)
        self._trims = ScriptCalls(redis, TRIM_SCRIPT)

    async def append(self, writes: Sequence[StreamWrite]) -> list[Recorded]:
        keys = [self.keys.log, self.keys.event_ids]
        keys += [self.keys.stream(write.stream_id) for write in writes]
        keys += [self.keys.trimmed(write.stream_id)[0] for write in writes]
        args: list[str | bytes | int] = [len(writes)]
        for write in writes:
            args += [write.expected_version, len(write.records)]
            for record in write.records:
                args += [record.event_id, record.type, record.body]
        outcome, *rest = await self._appends.call(keys, args)
        if outcome == b"conflict":
            key, actual = (part.decode() for part in rest)
            write = writes[keys.index(key) - 2]
            raise ConcurrencyConflict(write.stream_id, write.expected_version, int(actual))
        if outcome == b"mismatch":
            raise IdempotencyMismatch("only some of this command's events were appended before")
        positions = [position.decode() for position in rest]
        if outcome == b"dup":  # appended before: answered with what the log holds
            return await self._at_each(positions)
        sent = [record for write in writes for record in write.records]
        return [
            Recorded.of(position, record.type, record.body)
            for position, record in zip(positions, sent, strict=True)
        ]

    async def _at_each(self, positions: Sequence[str]) -> list[Recorded]:
        async with self.redis.pipeline(transaction=False) as pipe:
            for position in positions:
                pipe.xrange(self.keys.log, position, position, count=1)
            replies: list[list[Entry]] = await pipe.execute()
        return [record for reply in replies for record in _records(reply)]

    async def load(self, stream_id: str) -> list[Recorded]:
        return await self._range(self.keys.stream(stream_id))

    async def load_many(self, stream_ids: Sequence[str]) -> list[list[Recorded]]:
        # One round trip on one connection of the pool, however many streams.
        async with self.redis.pipeline(transaction=False) as pipe:
            for stream_id in stream_ids:
                pipe.xrange(self.keys.stream(stream_id))
            replies: list[list[Entry]] = await pipe.execute()
        return [_records(reply) for reply in replies]

    async def version(self, stream_id: str) -> int:
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.xlen(self.keys.stream(stream_id))
            pipe.hget(*self.keys.trimmed(stream_id))
            length, trimmed = await pipe.execute()
        return int(length) + int(trimmed or 0)

    async def trimmed_counts(self, stream_ids: Sequence[str]) -> list[int]:
        """How many of each stream's events were trimmed (and are in the archive)."""
        if not stream_ids:
            return []
        async with self.redis.pipeline(transaction=False) as pipe:
            for stream_id in stream_ids:
                pipe.hget(*self.keys.trimmed(stream_id))
            counts = await pipe.execute()
        return [int(count or 0) for count in counts]

    async def trim_point(self) -> str | None:
        """The last position trimmed from the log, or None while nothing was."""
        point = await self.redis.get(self.keys.trim_point)
        return None if point is None else _text(point)

    async def trim(self, records: Sequence[tuple[str, str, str]]) -> int:
        """Take these events (position, stream id, event id), archived under a signed
        checkpoint, out of Redis in one atomic step (trim.lua); how many left their streams."""
        if not records:
            return 0
        keys = [self.keys.log, self.keys.event_ids, self.keys.trim_point]
        for _, stream_id, _ in records:
            keys += [self.keys.stream(stream_id), self.keys.trimmed(stream_id)[0]]
        args: list[Arg] = [
            part for position, _, event_id in records for part in (position, event_id)
        ]
        return int(await self._trims.call(keys, args))

    async def read(
        self, after: str = "0-0", limit: int = 1000, until: str | None = None
    ) -> list[Recorded]:
        return await self._range(self.keys.log, f"({after}", until or "+", limit)

    async def pages(
        self, after: str = "0-0", limit: int = 1000, until: str | None = None
    ) -> AsyncGenerator[list[Recorded], None]:
        # The next page is asked for as soon as a page arrives, so Redis prepares it while
        # the caller works on this one; leaving early cancels that read. A page short of
        # `limit` is the end of the log (or of `until`): no read is asked for past it.
        upcoming = asyncio.ensure_future(self.read(after, limit, until))
        try:
            while page := await upcoming:
                if len(page) < limit:
                    yield page
                    return
                upcoming = asyncio.ensure_future(self.read(page[-1].position, limit, until))
                await until_sent()
                yield page
        finally:
            # The read ahead may be on its way by now: it is cancelled, and waited for.
            upcoming.cancel()
            await asyncio.wait([upcoming])

    async def at(self, position: str) -> Recorded | None:
        found = await self._range(self.keys.log, position, position, 1)
        return found[0] if found else None

    async def find(self, event_id: str) -> Recorded | None:
        position = await self.redis.hget(self.keys.event_ids, event_id)
        return None if position is None else await self.at(_text(position))

    async def _range(
        self, key: str, start: str = "-", end: str = "+", count: int | None = None
    ) -> list[Recorded]:
        # The log's entries always hold their id and fields, never the gaps of deleted ones.
        entries = cast(list[Entry], await self.redis.xrange(key, start, end, count=count))
        return _records(entries)


class ScriptCalls:
    """Calls of one Lua script, sent together: the calls made while a batch is on its way go
    as the next redis-py pipeline, on one connection and one round trip. Each call is still
    its own atomic step on the server, run in the order asked; a lone call is a batch of one.
    Appends from many requests at once would otherwise each take a connection of the pool and
    pay redis-py's cost of a command alone.

    With `acks`, the batch ends with WAIT on the same connection: a call whose batch the
    replicas did not all confirm in time fails with NotReplicated (what it wrote may be
    kept or lost; its retry is a no-op if kept, as its event ids are). Every call of one
    ScriptCalls names keys of one office, so on a cluster the batch goes to one node."""

    def __init__(
        self, redis: Redis | RedisCluster, script: str, acks: ReplicaAcks = NO_ACKS
    ) -> None:
        self.redis = redis
        self.script = script
        self.acks = acks
        self.sha = sha1(script.encode()).hexdigest()
        self._waiting: list[tuple[list[str], list[Arg], asyncio.Future[Any]]] = []
        self._sender: asyncio.Task[None] | None = None

    async def call(self, keys: list[str], args: list[Arg]) -> Any:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._waiting.append((keys, args, future))
        if self._sender is None:
            self._sender = asyncio.create_task(self._send_all())
        return await future

    async def _send_all(self) -> None:
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, []
                try:
                    replies = await self._sent(batch)
                except Exception as error:  # the connection failed: every caller is told
                    replies = [error] * len(batch)
                for (_, _, future), reply in zip(batch, replies, strict=True):
                    if future.done():  # its caller was cancelled meanwhile
                        continue
                    if isinstance(reply, Exception):
                        future.set_exception(reply)
                    else:
                        future.set_result(reply)
        finally:
            self._sender = None

    async def _sent(self, batch: Sequence[tuple[list[str], list[Arg], Any]]) -> list[Any]:
        replies = await self._pipelined(batch)
        unknown = [n for n, reply in enumerate(replies) if isinstance(reply, NoScriptError)]
        if unknown:
            # A server that does not know the script yet (new, restarted, flushed) ran none
            # of those calls: it is given the script, and they are sent again.
            await self.redis.script_load(self.script)
            again = await self._pipelined([batch[n] for n in unknown])
            for n, reply in zip(unknown, again, strict=True):
                replies[n] = reply
        return replies

    async def _pipelined(self, batch: Sequence[tuple[list[str], list[Arg], Any]]) -> list[Any]:
        replicas = self.acks.replicas
        async with self.redis.pipeline(transaction=False) as pipe:
            for keys, args, _ in batch:
                pipe.evalsha(self.sha, len(keys), *keys, *args)
            if replicas:
                where = await self._wait_on(batch)
                pipe.execute_command("WAIT", replicas, self.acks.timeout_ms, **where)
            replies = cast(list[Any], await pipe.execute(raise_on_error=False))
        if not replicas:
            return replies
        *replies, confirmed = replies
        if isinstance(confirmed, int) and confirmed >= replicas:
            return replies
        missing = NotReplicated(replicas, confirmed)
        return [reply if isinstance(reply, Exception) else missing for reply in replies]

    async def _wait_on(self, batch: Sequence[tuple[list[str], list[Arg], Any]]) -> dict[str, Any]:
        """Where WAIT goes: on a cluster, to the primary of the batch's slot, so that it
        follows the writes on their connection (by itself it would go to every node)."""
        if isinstance(self.redis, RedisCluster):
            await self.redis.initialize()  # the slots are known once the client has started
            return {"target_nodes": self.redis.get_node_from_key(batch[0][0][0])}
        return {}


def _records(entries: Sequence[Entry]) -> list[Recorded]:
    return [Recorded(entry_id.decode(), fields) for entry_id, fields in entries]


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
