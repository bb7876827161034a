"""`jasa courier provision` on a Redis Cluster: the third party's user is made on every node,
replicas included, may find its way as a cluster client and read its feed, and nothing more;
`--revoke` deletes it everywhere. The example subscriber reads the feed through the cluster."""

import re
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import redis as sync_redis
from redis.asyncio.cluster import RedisCluster
from redis.exceptions import NoPermissionError
from typer.testing import CliRunner

from services.cli import app
from services.courier.feed import CourierFeed
from services.courier.queries import HandoverPublic
from shared.keys import Keys
from shared.local_cluster import LocalCluster
from tests.integration.courier_support import eventually
from tests.integration.test_courier_provision import _example


def jasa(*args: str) -> Any:
    return CliRunner().invoke(app, ["courier", "provision", *args])


def provisioned(name: str, office: str) -> dict[str, str]:
    result = jasa(name, "--office", office)
    assert result.exit_code == 0, result.output
    return dict(re.findall(r"^(url|stream|group|nodes):\s+(.+)$", result.output, re.MULTILINE))


def users_on_each_node(cluster: LocalCluster, name: str) -> list[bool]:
    found = []
    for node in cluster.living():
        with sync_redis.Redis(port=node.port) as client:
            found.append(client.acl_getuser(name) is not None)
    return found


@pytest.fixture
def name(redis_cluster: LocalCluster) -> Iterator[str]:
    name = f"test-courier-{uuid.uuid4().hex[:10]}"
    yield name
    for node in redis_cluster.living():
        with sync_redis.Redis(port=node.port) as client:
            client.acl_deluser(name)


@pytest.fixture
async def as_third_party() -> AsyncIterator[list[RedisCluster]]:
    clients: list[RedisCluster] = []
    yield clients
    for client in clients:
        await client.aclose()


async def publish_handover(cluster: RedisCluster, keys: Keys) -> uuid.UUID:
    letter_id = uuid.uuid4()
    manifest = HandoverPublic(
        letter_id=letter_id, letter_number="470/1/2026", status="READY", documents=[]
    )
    await CourierFeed(cluster, keys).publish(str(letter_id), manifest)
    return letter_id


async def test_the_user_is_made_on_every_node_and_reads_its_feed_as_a_cluster_client(
    cluster_env: dict[str, str],
    redis_cluster: LocalCluster,
    cluster_client: RedisCluster,
    name: str,
    as_third_party: list[RedisCluster],
) -> None:
    keys = Keys("1401", cluster_env["JASA_KEY_PREFIX"])
    access = provisioned(name, "1401")
    assert users_on_each_node(redis_cluster, name) == [True] * 6
    assert len(access["nodes"].split()) == 6
    letter_id = await publish_handover(cluster_client, keys)

    user = RedisCluster.from_url(access["url"])
    as_third_party.append(user)
    ((_, entries),) = await user.xreadgroup(name, "kantor-1", {keys.courier_feed: ">"}, count=10)
    assert [fields[b"letter_id"].decode() for _, fields in entries] == [str(letter_id)]
    assert await user.xack(keys.courier_feed, name, entries[0][0]) == 1
    for command in (
        ("XRANGE", keys.log, "-", "+"),
        ("XADD", keys.courier_feed, "*", "letter_id", "forged"),
        ("GET", keys.scoped("event-ids")),
        ("CLUSTER", "NODES"),
        ("CONFIG", "GET", "*"),
        ("ACL", "LIST"),
    ):
        with pytest.raises(NoPermissionError):
            await user.execute_command(*command, target_nodes=user.get_node_from_key(keys.log))

    gone = jasa(name, "--revoke")
    assert (gone.exit_code, gone.output.strip()) == (0, f"user {name} deleted")
    assert users_on_each_node(redis_cluster, name) == [False] * 6


async def test_the_example_subscriber_reads_the_feed_through_the_cluster(
    cluster_env: dict[str, str], cluster_client: RedisCluster, name: str
) -> None:
    keys = Keys("1471", cluster_env["JASA_KEY_PREFIX"])
    access = provisioned(name, "1471")
    received: list[Any] = []

    async def collect(manifest: Any) -> None:
        received.append(manifest)

    broker = _example().build_broker(access["url"], access["stream"], collect, cluster=True)
    await broker.start()
    try:
        letter_id = await publish_handover(cluster_client, keys)
        await eventually(lambda: _value(received), lambda r: len(r) == 1, "the manifest arriving")
        assert str(received[0].letter_id) == str(letter_id)
        await eventually(
            lambda: cluster_client.xpending(keys.courier_feed, name),
            lambda p: p["pending"] == 0,
            "the manifest acknowledged",
        )
    finally:
        await broker.stop()


async def _value(items: list[Any]) -> list[Any]:
    return items
