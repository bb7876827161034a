"""Cluster mode is asked of the server REDIS_URL names, unless JASA_REDIS_CLUSTER says; an
append waits for one replica on a cluster and none on a single server, unless
JASA_REDIS_REPLICAS_ACK says."""

import logging
from pathlib import Path

import pytest
from faststream.redis import RedisClusterBroker
from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster

from shared.local_cluster import LocalCluster
from shared.redis_client import ReplicaAcks, redis_setup
from shared.redis_server import free_port
from shared.settings import CommonSettings


def settings(url: str, **given: object) -> CommonSettings:
    return CommonSettings(redis_url=url, data_dir=Path("unused"), **given)  # type: ignore[arg-type]


def test_a_cluster_node_is_found_to_be_a_cluster_and_its_appends_wait_for_a_replica(
    redis_cluster: LocalCluster,
) -> None:
    setup = redis_setup(settings(redis_cluster.nodes[-1].url))  # any node, a replica too
    assert setup.cluster
    assert setup.acks == ReplicaAcks(replicas=1, timeout_ms=1000)
    assert isinstance(setup.client(), RedisCluster)
    assert isinstance(setup.broker(), RedisClusterBroker)


def test_a_single_server_keeps_todays_clients_and_its_appends_wait_for_none(
    redis_url: str,
) -> None:
    setup = redis_setup(settings(redis_url))
    assert not setup.cluster
    assert setup.acks.replicas == 0
    assert type(setup.client()) is Redis


def test_the_settings_say_it_over_what_the_server_would(redis_url: str) -> None:
    setup = redis_setup(
        settings(
            redis_url,
            redis_cluster=True,
            redis_replicas_ack=2,
            redis_replicas_wait_ms=250,
        )
    )
    assert setup.cluster
    assert setup.acks == ReplicaAcks(replicas=2, timeout_ms=250)


def test_a_server_that_does_not_answer_is_taken_for_a_single_one_and_it_is_said(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="jasa.redis"):
        setup = redis_setup(settings(f"redis://127.0.0.1:{free_port()}/0"))
    assert not setup.cluster
    assert "set JASA_REDIS_CLUSTER" in caplog.text
