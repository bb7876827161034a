"""The log's own connection to Redis (shared.wire): each caller gets its own answer, errors
read as redis-py's, and a lost, refused or silent connection is a redis-py connection error,
after which the next command connects again."""

import asyncio
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import redis as sync_redis
from redis.asyncio import Redis
from redis.exceptions import AuthenticationError, NoScriptError, ResponseError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from shared.keys import Keys
from shared.log import EventLog
from shared.redis_server import RedisServer, free_port, redis_server_binary
from shared.wire import Address, Wire
from tests.factories import registered


@pytest.fixture
async def wire(redis: Redis) -> AsyncIterator[Wire]:
    made = Wire(redis)
    yield made
    await made.aclose()


async def test_callers_at_once_each_get_their_own_answer(wire: Wire) -> None:
    words = [f"kata-{n}".encode() for n in range(300)]
    answers = await asyncio.gather(*(wire.call("ECHO", word) for word in words))
    assert answers == words


async def test_an_error_reply_is_raised_as_redis_py_raises_it(wire: Wire, key_prefix: str) -> None:
    with pytest.raises(NoScriptError):
        await wire.call("EVALSHA", "0" * 40, 0)
    await wire.call("SET", f"{key_prefix}text", "not a stream")
    with pytest.raises(ResponseError, match="WRONGTYPE"):
        await wire.call("XADD", f"{key_prefix}text", "*", "field", "value")
    assert await wire.call("ECHO", "still here") == b"still here"


async def test_a_caller_that_gives_up_leaves_its_answer_to_no_one_else(
    wire: Wire, key_prefix: str
) -> None:
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(wire.call("BLPOP", f"{key_prefix}empty", "0.3"), 0.05)
    assert await wire.call("ECHO", "after") == b"after"


async def test_a_lost_connection_fails_what_waits_on_it_and_the_next_command_connects_again(
    wire: Wire, redis: Redis, key_prefix: str
) -> None:
    first = await wire.call("CLIENT", "ID")
    waiting = asyncio.create_task(wire.call("BLPOP", f"{key_prefix}empty", "5"))
    await asyncio.sleep(0.05)
    await redis.execute_command("CLIENT", "KILL", "ID", first)
    with pytest.raises(RedisConnectionError):
        await waiting
    second = await wire.call("CLIENT", "ID")
    assert second != first


async def test_a_server_that_does_not_answer_in_time_is_a_timeout_and_then_a_new_connection(
    redis_url: str, key_prefix: str
) -> None:
    client = Redis.from_url(f"{redis_url}?socket_timeout=0.3")
    wire = Wire(client)
    try:
        first = await wire.call("CLIENT", "ID")
        started = time.monotonic()
        while time.monotonic() - started < 0.6:  # busy longer than the timeout, each answered
            assert await wire.call("BLPOP", f"{key_prefix}empty", "0.05") is None  # in time
        assert await wire.call("CLIENT", "ID") == first
        started = time.monotonic()
        with pytest.raises(RedisTimeoutError):
            await wire.call("BLPOP", f"{key_prefix}empty", "2")
        assert time.monotonic() - started < 1.5
        assert await wire.call("CLIENT", "ID") != first
    finally:
        await wire.aclose()
        await client.aclose()


async def test_no_server_at_the_address_is_a_connection_error() -> None:
    client = Redis.from_url(f"redis://127.0.0.1:{free_port()}/0")
    wire = Wire(client)
    with pytest.raises(RedisConnectionError, match="cannot connect"):
        await wire.call("PING")
    await client.aclose()


@pytest.fixture
def private_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path / "redis", durable=False).start()
    yield server
    server.stop()


async def test_the_wire_logs_in_and_chooses_the_database_as_the_pool_does(
    private_server: RedisServer,
) -> None:
    admin = sync_redis.Redis(port=private_server.port)
    admin.acl_setuser(
        "petugas", enabled=True, passwords=["+rahasia"], keys=["*"], commands=["+@all"]
    )
    base = f"127.0.0.1:{private_server.port}"
    client = Redis.from_url(f"redis://petugas:rahasia@{base}/2")
    wire = Wire(client)
    wrong = Redis.from_url(f"redis://petugas:salah@{base}/2")
    try:
        assert await wire.call("ACL", "WHOAMI") == b"petugas"
        await wire.call("SET", "berkas", "ada")
        assert sync_redis.Redis(port=private_server.port, db=2).get("berkas") == b"ada"
        assert admin.get("berkas") is None  # not in database 0
        with pytest.raises(AuthenticationError):
            await Wire(wrong).call("PING")
    finally:
        await wire.aclose()
        await client.aclose()
        await wrong.aclose()
        admin.close()


@pytest.fixture
def unix_socket(tmp_path: Path) -> Iterator[Path]:
    """A redis-server listening on a Unix socket only."""
    path = tmp_path / "redis.sock"
    options = ["--port", "0", "--unixsocket", str(path), "--save", "", "--appendonly", "no"]
    process = subprocess.Popen(
        [redis_server_binary(), *options, "--dir", str(tmp_path)], stdout=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 10
        while not path.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        yield path
    finally:
        process.terminate()
        process.wait(10)


async def test_the_wire_connects_over_a_unix_socket_when_the_client_does(unix_socket: Path) -> None:
    client = Redis.from_url(f"unix://{unix_socket}?db=1")
    wire = Wire(client)
    try:
        await wire.call("SET", "berkas", "ada")
        assert await client.get("berkas") == b"ada"  # the client's own connection: database 1
    finally:
        await wire.aclose()
        await client.aclose()


def test_a_tls_client_leaves_its_connections_to_redis_py() -> None:
    assert not Wire(Redis.from_url("rediss://127.0.0.1:6380/0")).usable
    assert Wire(Redis.from_url("redis://127.0.0.1:6380/0")).usable


async def test_an_append_right_after_its_connection_was_killed_is_written_once(
    redis: Redis, keys: Keys
) -> None:
    log = EventLog(redis, keys)
    try:
        await log.append("warm-up", [registered()], 0)
        its_own = await log._wire.call("CLIENT", "ID")  # the connection the append went on
        await redis.execute_command("CLIENT", "KILL", "ID", its_own)
        event = registered()
        (stored,) = await log.append(event.stream_id, [event], 0)
        assert [e.event_id for e in await log.load(event.stream_id)] == [event.event_id]
        assert stored.position is not None
    finally:
        await log.aclose()


def test_a_wire_left_open_is_closed_when_its_event_loop_ends(redis_url: str) -> None:
    async def use_and_forget() -> int:
        client = Redis.from_url(redis_url)
        wire = Wire(client)
        its_id = int(await wire.call("CLIENT", "ID"))
        await client.aclose()
        return its_id  # the wire is not closed: asyncio.run ends with it open

    its_id = asyncio.run(use_and_forget())
    admin = sync_redis.Redis.from_url(redis_url)
    try:
        deadline = time.monotonic() + 5
        while admin.execute_command("CLIENT", "LIST", "ID", its_id) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not admin.execute_command("CLIENT", "LIST", "ID", its_id)
    finally:
        admin.close()


async def test_a_server_that_takes_the_connection_and_never_answers_the_login_is_a_timeout(
    tmp_path: Path,
) -> None:
    """Connected, but the login unanswered: a TimeoutError after the connect timeout, and
    the connection is closed, not left open."""
    closed = asyncio.Event()

    class Silent(asyncio.Protocol):
        def connection_lost(self, exc: Exception | None) -> None:
            closed.set()

    server = await asyncio.get_running_loop().create_server(Silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client = Redis.from_url(f"redis://user:pass@127.0.0.1:{port}/0?socket_connect_timeout=0.2")
    try:
        with pytest.raises(RedisTimeoutError, match="connecting"):
            await Wire(client).call("PING")
        await asyncio.wait_for(closed.wait(), 2)
    finally:
        server.close()
        await client.aclose()


async def test_execute_asks_the_client_when_the_wire_cannot_connect(redis: Redis) -> None:
    wire = Wire(redis)
    wire.address = Address("127.0.0.1", free_port())  # the wire's way leads nowhere
    with pytest.raises(RedisConnectionError):
        await wire.call("PING")
    assert await wire.execute("ECHO", "lewat klien") == b"lewat klien"  # the client's way
