"""`jasa courier provision NAME` against the real Redis: the third party's user reads the
feed with its own group and acknowledges, and is refused everything else."""

import importlib.util
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import redis as sync_redis
from redis.asyncio import Redis
from redis.exceptions import AuthenticationError, NoPermissionError
from typer.testing import CliRunner

from services.cli import app
from services.courier.feed import CourierFeed
from services.courier.queries import HandoverPublic
from shared.keys import Keys
from tests.integration.courier_support import eventually

EXAMPLE = Path(__file__).parents[2] / "examples" / "courier_subscriber.py"


@pytest.fixture
def name(redis_url: str) -> Iterator[str]:
    """A third party's name; its ACL user is deleted after the test."""
    name = f"test-courier-{uuid.uuid4().hex[:10]}"
    yield name
    with sync_redis.Redis.from_url(redis_url) as admin:
        admin.acl_deluser(name)


@pytest.fixture
def admin_env(service_env: dict[str, str]) -> dict[str, str]:
    return service_env


def jasa(*args: str) -> Any:
    return CliRunner().invoke(app, ["courier", "provision", *args])


def provisioned(name: str) -> dict[str, str]:
    result = jasa(name)
    assert result.exit_code == 0, result.output
    return dict(re.findall(r"^(url|stream|group):\s+(\S+)$", result.output, re.MULTILINE))


@pytest.fixture
async def third_party() -> AsyncIterator[list[Redis]]:
    """Connections opened as the third party, closed after the test."""
    clients: list[Redis] = []
    yield clients
    for client in clients:
        await client.aclose()


async def connect(clients: list[Redis], url: str) -> Redis:
    client = Redis.from_url(url)
    clients.append(client)
    await client.ping()
    return client


async def publish_handover(redis: Redis, keys: Keys, letter_id: uuid.UUID) -> None:
    manifest = HandoverPublic(
        letter_id=letter_id, letter_number="470/1/2026", status="READY", documents=[]
    )
    await CourierFeed(redis, keys).publish(str(letter_id), manifest)


async def test_the_third_party_reads_the_feed_with_its_own_group_and_acknowledges(
    admin_env: dict[str, str], name: str, redis: Redis, keys: Keys, third_party: list[Redis]
) -> None:
    access = provisioned(name)
    assert access["stream"] == keys.courier_feed and access["group"] == name
    assert access["url"].startswith(f"redis://{name}:")
    letter_id = uuid.uuid4()
    await publish_handover(redis, keys, letter_id)

    user = await connect(third_party, access["url"])
    reply = await user.xreadgroup(name, "kantor-1", {keys.courier_feed: ">"}, count=10)
    ((_, entries),) = reply
    assert [fields[b"letter_id"].decode() for _, fields in entries] == [str(letter_id)]
    assert await user.xack(keys.courier_feed, name, entries[0][0]) == 1
    assert (await user.xpending(keys.courier_feed, name))["pending"] == 0


async def test_the_third_party_is_refused_everything_else(
    admin_env: dict[str, str], name: str, redis: Redis, keys: Keys, third_party: list[Redis]
) -> None:
    access = provisioned(name)
    await redis.set(keys.scoped("other"), "rahasia")
    user = await connect(third_party, access["url"])
    refused = {
        "XRANGE on the office log": ("XRANGE", keys.log, "-", "+"),
        "XRANGE on the feed (reading without its group)": ("XRANGE", keys.courier_feed, "-", "+"),
        "GET of another key": ("GET", keys.scoped("other")),
        "SET of another key": ("SET", keys.scoped("other"), "x"),
        "XADD to the feed": ("XADD", keys.courier_feed, "*", "letter_id", "forged"),
        "DEL of the feed": ("DEL", keys.courier_feed),
        "KEYS": ("KEYS", "*"),
        "CONFIG GET": ("CONFIG", "GET", "*"),
        "ACL LIST": ("ACL", "LIST"),
        "FLUSHALL": ("FLUSHALL",),
        "FLUSHDB": ("FLUSHDB",),
    }
    if await _has_acl_dryrun(redis):  # never risk a flush of a shared Redis on a wrong ACL
        for command in (("FLUSHALL",), ("FLUSHDB",)):
            assert (await redis.execute_command("ACL", "DRYRUN", name, *command)) != b"OK"
    for what, command in refused.items():
        with pytest.raises(NoPermissionError):
            await user.execute_command(*command)
            pytest.fail(f"{what} was allowed")
    assert await redis.get(keys.scoped("other")) == b"rahasia"
    assert await redis.xlen(keys.courier_feed) == 0


async def _has_acl_dryrun(redis: Redis) -> bool:
    info = await redis.info("server")
    return int(str(info["redis_version"]).split(".")[0]) >= 7


async def test_provisioning_again_rotates_the_password(
    admin_env: dict[str, str], name: str, third_party: list[Redis]
) -> None:
    old = provisioned(name)["url"]
    result = jasa(name)
    assert "password rotated" in result.output
    new = re.search(r"^url:\s+(\S+)$", result.output, re.MULTILINE)
    assert new is not None and new[1] != old
    await connect(third_party, new[1])
    with pytest.raises(AuthenticationError):
        await connect(third_party, old)


async def test_revoking_deletes_the_user(
    admin_env: dict[str, str], name: str, third_party: list[Redis]
) -> None:
    url = provisioned(name)["url"]
    result = jasa(name, "--revoke")
    assert (result.exit_code, f"user {name} deleted") == (0, result.output.strip())
    with pytest.raises(AuthenticationError):
        await connect(third_party, url)


def test_a_name_redis_could_misread_is_refused(admin_env: dict[str, str]) -> None:
    for bad in ("two words", "default", "a*", ""):
        result = jasa(bad)
        assert result.exit_code != 0, bad
        assert "Invalid value for NAME" in result.output, result.output


def _example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("courier_subscriber", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def test_the_example_subscriber_needs_nothing_but_the_url(
    admin_env: dict[str, str], name: str, redis: Redis, keys: Keys
) -> None:
    access = provisioned(name)
    example = _example()
    received: list[Any] = []

    async def collect(manifest: Any) -> None:
        received.append(manifest)

    broker = example.build_broker(access["url"], access["stream"], collect)
    await broker.start()
    try:
        letter_id = uuid.uuid4()
        await publish_handover(redis, keys, letter_id)
        await eventually(lambda: _value(received), lambda r: len(r) == 1, "the manifest arriving")
        assert str(received[0].letter_id) == str(letter_id)
        await eventually(
            lambda: redis.xpending(keys.courier_feed, name),
            lambda p: p["pending"] == 0,
            "the manifest acknowledged",
        )
    finally:
        await broker.stop()


async def _value(items: list[Any]) -> list[Any]:
    return items
