"""A connection to Redis of the log's own, for the command every use case waits on: the
append step.

redis-py's way for one command (the pool's lock and its bookkeeping, retries, the
observability hooks, a stream reader the reply goes through) costs the client more than the
server's whole append step. A `Wire` packs the command with hiredis and writes it, and the
event loop hands it the reply the moment the bytes arrive. Redis answers in the order the
commands came, so callers at once simply queue on the one connection (pipelining).

It connects as the Redis client's own connections do (address, database, user and password,
timeouts, read from a connection of its pool that is never opened). Whatever goes wrong
with the connection itself (refused, lost, timed out) is raised as redis-py's
`ConnectionError` or `TimeoutError` and the next command connects again. A caller that
meets one can ask redis-py once more (`execute`), whose retries and errors the services
answer with."""

import asyncio
import contextlib
import functools
from collections import deque
from dataclasses import dataclass
from typing import Any, TypeGuard, cast

import hiredis
from redis._parsers.base import BaseParser
from redis.asyncio import Redis, UnixDomainSocketConnection
from redis.asyncio.connection import AbstractConnection, Connection
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError


@dataclass(frozen=True, slots=True)
class Address:
    """Where the pool's connections connect (a TCP address or a Unix socket), and how long
    they wait. The database and the login are sent after connecting (`Wire._introduce`)."""

    host: str = ""
    port: int = 0
    path: str = ""  # a Unix socket's, else ""
    timeout: float | None = None  # for an answer
    connect_timeout: float | None = None

    @classmethod
    def of(cls, unopened: AbstractConnection) -> "Address | None":
        """A pool's connection's address, or None when it is not plain (TLS, or a kind of
        connection redis-py was given by the caller): those stay redis-py's to make."""
        timeout, connect_timeout = unopened.socket_timeout, unopened.socket_connect_timeout
        if type(unopened) is UnixDomainSocketConnection:
            return cls("", 0, unopened.path, timeout, connect_timeout)
        if type(unopened) is Connection:
            return cls(unopened.host, int(unopened.port), "", timeout, connect_timeout)
        return None


class Wire:
    """One connection beside a Redis client's, to the same server: opened at the first
    command and again after it is lost."""

    def __init__(self, client: Redis) -> None:
        self.client = client
        self._unopened = client.connection_pool.make_connection()  # read, never opened
        self.address = Address.of(self._unopened)
        self._line: _Line | None = None
        self._opening: tuple[asyncio.AbstractEventLoop, asyncio.Lock] | None = None

    @property
    def usable(self) -> bool:
        return self.address is not None

    async def execute(self, *command: Any) -> Any:
        """`call`, or the client's own way where the wire is not usable or its connection
        fails (refused, lost, no answer in time): the client's retries and errors, the
        ones the services answer with. For a command that is safe to send twice."""
        if self.usable:
            try:
                return await self.call(*command)
            except (RedisConnectionError, RedisTimeoutError):
                pass
        return await self.client.execute_command(*command)

    async def call(self, *command: Any) -> Any:
        """Send one command and return its reply; an error reply is raised as redis-py
        raises it (`NoScriptError`, `ResponseError`, ...)."""
        line = self._line if _serves(self._line, asyncio.get_running_loop()) else await self._open()
        return _answer(await line.send(hiredis.pack_command(command)))

    async def aclose(self) -> None:
        if self._line is not None:
            self._line.close()
            self._line = None

    async def _open(self) -> "_Line":
        loop = asyncio.get_running_loop()
        if self._opening is None or self._opening[0] is not loop:
            self._opening = (loop, asyncio.Lock())  # a lock belongs to one event loop
        async with self._opening[1]:
            line = self._line
            if _serves(line, loop):
                return line  # another caller opened it while this one waited
            if line is not None:
                line.close()
            self._line = await self._connect()
            # Kept by a task: when the event loop ends first (asyncio.run and pytest cancel
            # the tasks left), the connection is closed, not left to the garbage collector.
            self._line.keeper = loop.create_task(self._line.kept())
            return self._line

    async def _connect(self) -> "_Line":
        address = self.address
        if address is None:
            raise RedisConnectionError("this Redis client's connections are not the wire's kind")
        loop = asyncio.get_running_loop()
        made = functools.partial(_Line, address.timeout)
        line: _Line | None = None
        try:
            async with asyncio.timeout(address.connect_timeout):
                if address.path:
                    _, line = await loop.create_unix_connection(made, address.path)
                else:
                    _, line = await loop.create_connection(made, address.host, address.port)
                await self._introduce(line)
        except BaseException as error:
            if line is not None:
                line.close()  # connected, but not logged in: not to be left open
            if isinstance(error, TimeoutError):
                raise RedisTimeoutError("connecting to Redis timed out") from None
            if isinstance(error, OSError):
                raise RedisConnectionError(f"cannot connect to Redis: {error}") from error
            raise
        return line

    async def _introduce(self, line: "_Line") -> None:
        """Log in and choose the database, as the pool's connections do."""
        unopened = self._unopened
        login: tuple[str, ...] = ()
        if unopened.credential_provider is not None:
            login = tuple(await unopened.credential_provider.get_credentials_async())
        elif unopened.password is not None:
            login = tuple(p for p in (unopened.username, unopened.password) if p is not None)
        steps: list[tuple[Any, ...]] = ([("AUTH", *login)] if login else []) + (
            [("SELECT", str(unopened.db))] if int(unopened.db) else []
        )
        replies = await asyncio.gather(*(line.send(hiredis.pack_command(s)) for s in steps))
        for reply in replies:
            _answer(reply)


def _answer(reply: Any) -> Any:
    """The reply, or the error it says raised as redis-py raises it."""
    if isinstance(reply, hiredis.ReplyError):
        raise BaseParser.parse_error(str(reply))
    return reply


def _serves(line: "_Line | None", loop: asyncio.AbstractEventLoop) -> TypeGuard["_Line"]:
    """The line is open, and on this event loop."""
    return line is not None and line.lost is None and line.loop is loop


class _Line(asyncio.Protocol):
    """The connection: replies are handed, in order, to the commands that wait for them.

    A command unanswered after `timeout` seconds fails the connection with a
    `TimeoutError`. One timer watches the oldest command (not a timer for each command):
    it is set when a command finds none waiting, and at its time looks again."""

    def __init__(self, timeout: float | None) -> None:
        self.loop = asyncio.get_running_loop()
        self.timeout = timeout
        self.reader = hiredis.Reader()
        self.waiting: deque[tuple[asyncio.Future[Any], float]] = deque()  # and when sent
        self.watch: asyncio.TimerHandle | None = None
        self.transport: asyncio.WriteTransport | None = None
        self.lost: RedisError | None = None
        self.ended: asyncio.Future[None] = self.loop.create_future()
        self.keeper: asyncio.Task[None] | None = None

    async def kept(self) -> None:
        """Wait while the connection lasts; closed at the end, cancelled or not."""
        try:
            await self.ended
        finally:
            self.close()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.WriteTransport, transport)  # uvloop's are not asyncio's

    def send(self, packed: bytes) -> asyncio.Future[Any]:
        if self.lost is not None or self.transport is None:
            raise self.lost or RedisConnectionError("not connected to Redis yet")
        answer = self.loop.create_future()
        self.waiting.append((answer, self.loop.time()))
        if self.timeout is not None and self.watch is None:
            self.watch = self.loop.call_later(self.timeout, self._look_at_the_oldest)
        self.transport.write(packed)
        return answer

    def _look_at_the_oldest(self) -> None:
        self.watch = None
        if not self.waiting or self.timeout is None:
            return
        due = self.waiting[0][1] + self.timeout
        if self.loop.time() < due:
            self.watch = self.loop.call_at(due, self._look_at_the_oldest)
            return
        self._fail(RedisTimeoutError("Redis did not answer in time"))
        self.close()  # the server is not answering: the next command connects afresh

    def data_received(self, data: bytes) -> None:
        self.reader.feed(data)
        try:
            while (reply := self.reader.gets()) is not False:
                answer, _ = self.waiting.popleft()
                if not answer.done():  # a caller that gave up (cancelled) leaves its reply
                    answer.set_result(reply)
        except (hiredis.ProtocolError, IndexError) as error:  # garbled, or a reply unasked
            self._fail(RedisConnectionError(f"Redis's reply could not be read: {error}"))
            self.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self._fail(RedisConnectionError(f"connection to Redis lost: {exc or 'closed'}"))

    def close(self) -> None:
        self._fail(RedisConnectionError("connection to Redis closed"))
        if self.transport is not None:
            with contextlib.suppress(RuntimeError):  # its event loop is closed already
                self.transport.close()

    def _fail(self, error: RedisError) -> None:
        if self.lost is None:
            self.lost = error
        if not self.ended.done():
            self.ended.set_result(None)
        if self.watch is not None:
            self.watch.cancel()
            self.watch = None
        while self.waiting:
            answer, _ = self.waiting.popleft()
            if not answer.done():
                answer.set_exception(self.lost)
