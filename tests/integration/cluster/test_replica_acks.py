"""Acknowledged means kept: with JASA_REDIS_REPLICAS_ACK, an append is answered once that
many replicas hold it. When they do not confirm it in time, the command is answered 503 with
Retry-After, and its retry writes nothing twice."""

import pytest
import redis as sync_redis
from redis.asyncio.cluster import RedisCluster

from services.intake.domain import RegistryEntry
from services.intake.main import create_app
from services.intake.registry import load_registry
from shared.keys import Keys
from shared.local_cluster import LocalCluster
from shared.log import EventLog
from shared.redis_client import ReplicaAcks
from shared.store import NotReplicated
from shared.vocabulary import DocumentType
from tests.conftest import running, token_for
from tests.factories import registered, registration
from tests.integration.cluster.conftest import SERVED


def replica_of(cluster: LocalCluster, key: str) -> sync_redis.Redis:
    """A client of the replica of `key`'s primary, allowed to read (READONLY)."""
    with sync_redis.Redis(port=cluster.primary_of(key).port) as primary:
        replica = primary.info("replication")["slave0"]
    reader = sync_redis.Redis(port=int(replica["port"]))
    reader.execute_command("READONLY")
    return reader


async def test_an_append_acknowledged_with_one_replica_is_on_that_replica_at_once(
    redis_cluster: LocalCluster, cluster_client: RedisCluster, key_prefix: str
) -> None:
    keys = Keys("1471", key_prefix)
    log = EventLog(cluster_client, keys, acks=ReplicaAcks(replicas=1))
    event = registered()
    [stored] = await log.append(event.stream_id, [event], 0)
    with replica_of(redis_cluster, keys.log) as replica:
        assert [entry_id.decode() for entry_id, _ in replica.xrange(keys.log)] == [stored.position]


async def test_an_append_more_replicas_than_there_are_must_confirm_fails_and_its_retry_is_safe(
    cluster_client: RedisCluster, key_prefix: str
) -> None:
    keys = Keys("1473", key_prefix)
    wanting = EventLog(cluster_client, keys, acks=ReplicaAcks(replicas=2, timeout_ms=100))
    event = registered()
    with pytest.raises(NotReplicated) as refused:
        await wanting.append(event.stream_id, [event], 0)
    assert (refused.value.wanted, refused.value.confirmed) == (2, 1)
    retried = await EventLog(cluster_client, keys, acks=ReplicaAcks(1)).append(
        event.stream_id, [event], 0
    )
    assert await cluster_client.xlen(keys.log) == 1
    assert [e.event_id for e in await wanting.load(event.stream_id)] == [retried[0].event_id]


async def test_a_command_whose_append_the_replicas_do_not_confirm_is_answered_503(
    cluster_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JASA_REDIS_REPLICAS_ACK", "2")
    monkeypatch.setenv("JASA_REDIS_REPLICAS_WAIT_MS", "100")
    app = create_app()
    async with running(app) as client:
        entry = RegistryEntry(DocumentType.KTP_EL, "1471-ACK2", "1471011708900001", "Rina", True)
        await load_registry(app.state.context.engine, [entry], office=SERVED[0])
        answer = await client.post(
            "/dossiers", json=registration(entry), headers=token_for("FO", office=SERVED[0])
        )
    assert answer.status_code == 503, answer.text
    assert answer.headers["retry-after"] == "2"
    assert answer.headers["content-type"] == "application/problem+json"
    assert "a retry does not write it twice" in answer.json()["detail"]
