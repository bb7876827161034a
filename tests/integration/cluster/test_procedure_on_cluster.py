"""The whole procedure on a real Redis Cluster (three primaries, a replica each), for two
offices whose slots live on different primaries, with REDIS_URL naming just one node.

A command whose keys lie in two slots is refused on a cluster (CROSSSLOT by the server, or
by redis-py before it is sent), so the day played through every service, the consumers'
work and the auditor's commands all going through shows that no command crosses two
offices' slots; every key the installation made lies in its office's slot besides."""

import asyncio

from click.testing import Result
from faststream.redis import RedisClusterBroker
from redis.asyncio.cluster import RedisCluster
from typer.testing import CliRunner

from services.cli import app as jasa
from shared.local_cluster import LocalCluster
from tests.integration.offices.world import SERVED, Installation, play_the_day


async def run_jasa(*args: str) -> Result:
    return await asyncio.to_thread(CliRunner().invoke, jasa, list(args))


def test_the_two_offices_slots_live_on_different_primaries(redis_cluster: LocalCluster) -> None:
    logs = [f"jasa:{{{office}}}:log" for office in SERVED]
    assert len({redis_cluster.primary_of(log).port for log in logs}) == 2


async def test_two_offices_on_different_primaries_go_through_the_whole_procedure(
    on_cluster: Installation, cluster_env: dict[str, str], cluster_client: RedisCluster
) -> None:
    for office in SERVED:
        await play_the_day(on_cluster, office)

    for service, client in on_cluster.clients.items():
        context = on_cluster.context(service)
        assert isinstance(context.redis, RedisCluster)
        assert all(isinstance(c.broker, RedisClusterBroker) for c in context.consumers.values())
        ready = await client.get("/ready")
        assert ready.status_code == 200, ready.text
        document = (await client.get("/asyncapi.json")).json()
        for office in SERVED:
            assert any(f"jasa:{{{office}}}:log" in name for name in document["channels"])
    lengths = await on_cluster.log_lengths()
    assert all(length > 20 for length in lengths.values())
    for office in SERVED:
        verified = await run_jasa("audit", "verify", "--office", office, "--json")
        assert verified.exit_code == 0, verified.output
        assert f'"events_checked": {lengths[office]}' in verified.output
        replayed = await run_jasa("audit", "replay", "--office", office)
        assert replayed.exit_code == 0, replayed.output
        assert "equal the replay" in replayed.output
        dead = await run_jasa("dead-letters", "--json")
        assert dead.exit_code == 0, dead.output

    prefix = cluster_env["JASA_KEY_PREFIX"]
    made = [key async for key in cluster_client.scan_iter(match=f"{prefix}*", count=1000)]
    slots = {office: cluster_client.keyslot(f"{{{office}}}") for office in SERVED}
    assert {cluster_client.keyslot(key) for key in made} == set(slots.values())
    for key in made:
        office = key.decode().split("{")[1].split("}")[0]
        assert cluster_client.keyslot(key) == slots[office], key
