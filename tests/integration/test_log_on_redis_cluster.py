"""The log on Redis Cluster: one server of a cluster holding every slot, which refuses a
command whose keys are in more than one slot as a cluster of many shards would. Each
office's commands must stay within its own hash tag's slot."""

import secrets
import shutil
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import redis as sync_redis
from redis.asyncio.cluster import RedisCluster

from shared.keys import Keys
from shared.local_cluster import cluster_node
from shared.log import ConcurrencyConflict, EventLog, Write
from shared.privacy import Privacy
from shared.redis_server import RedisServer
from tests.factories import flagged, registered


@pytest.fixture(scope="module")
def cluster_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    if shutil.which("redis-server") is None:
        pytest.skip("no redis-server on PATH to run a cluster node")
    folder: Path = tmp_path_factory.mktemp("cluster")
    # RedisServer makes sure the node answering is the one it started (a free port can be
    # taken between the search and the start), and tries another port if so.
    node = RedisServer(folder, durable=False, options=cluster_node()).start()
    try:
        client = sync_redis.Redis(port=node.port)
        if int(client.info("server")["redis_version"].split(".")[0]) < 7:
            pytest.skip("one node holding every slot needs Redis 7 (CLUSTER ADDSLOTSRANGE)")
        client.execute_command("CLUSTER", "ADDSLOTSRANGE", 0, 16383)
        deadline = time.monotonic() + 30
        while b"cluster_state:ok" not in client.execute_command("CLUSTER", "INFO"):
            assert time.monotonic() < deadline, "the one-node cluster did not become ok in 30 s"
            time.sleep(0.05)
        client.close()
        yield node.port
    finally:
        node.stop()


@pytest.fixture
async def cluster(cluster_port: int) -> AsyncIterator[RedisCluster]:
    client = RedisCluster(host="127.0.0.1", port=cluster_port)
    yield client
    await client.aclose()


async def test_two_offices_append_seal_and_read_their_logs_on_a_cluster(
    cluster: RedisCluster, key_prefix: str
) -> None:
    master = secrets.token_bytes(32)
    logs = [
        EventLog(cluster, keys, Privacy(cluster, keys, master))
        for keys in (Keys("1471", key_prefix), Keys("1403", key_prefix))
    ]
    for log in logs:
        a, b = registered(), registered()
        stored = await log.append_all([Write(a.stream_id, 0, [a]), Write(b.stream_id, 0, [b])])
        assert (
            await log.append_all([Write(a.stream_id, 0, [a]), Write(b.stream_id, 0, [b])]) == stored
        )
        with pytest.raises(ConcurrencyConflict):
            await log.append(a.stream_id, [flagged(a.data.dossier_id)], 0)  # type: ignore[attr-defined]
        loaded = await log.load_many([a.stream_id, b.stream_id])
        assert [[event.data for event in events] for events in loaded] == [[a.data], [b.data]]
        assert (await log.find(b.event_id)).data == b.data  # type: ignore[union-attr]
        assert [len(list(page)) async for page in log.pages(limit=1)] == [1, 1]
