"""The log on a Redis Cluster of three primaries (a replica each) beside the single server,
in the same run: appends per second, one caller and 16 at once, and POST /dossiers at
300 requests/s against intake, with JASA_REDIS_REPLICAS_ACK=0 and =1 (each append then
waits until a replica holds it: WAIT on the slot's primary).

Each figure is the median over rounds that take the configurations in turn, so that all see
the same moments of a noisy machine. The cluster's nodes run without persistence, as the
single server of the append figures does: what is measured is the cluster and the WAIT.

    .venv/bin/python -m bench.cluster        # this part alone (starts its own servers)"""

import asyncio
import json
import os
import statistics
import tempfile
import uuid
from pathlib import Path

import uvloop
from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster

from bench import latency
from bench.append import IN_FLIGHT, append_batch
from shared.keys import Keys
from shared.local_cluster import LocalCluster
from shared.log import EventLog
from shared.redis_client import AsyncRedis, ReplicaAcks
from shared.redis_server import RedisServer

# Each configuration's name in the figures: where the log is, and how many replicas ack.
CONFIGURATIONS = {"single": 0, "cluster_ack0": 0, "cluster_ack1": 1}


async def appends(
    single_url: str, cluster_url: str, batch: int = 250, rounds: int = 12
) -> dict[str, float]:
    single, cluster = Redis.from_url(single_url), RedisCluster.from_url(cluster_url)
    run = uuid.uuid4().hex[:8]
    clients: dict[str, AsyncRedis] = {
        "single": single,
        "cluster_ack0": cluster,
        "cluster_ack1": cluster,
    }
    logs = {
        name: EventLog(clients[name], Keys("1471", f"bench-{name}-{run}:"), acks=ReplicaAcks(acks))
        for name, acks in CONFIGURATIONS.items()
    }
    rates: dict[str, list[float]] = {f"{name}_{n}": [] for name in logs for n in (1, IN_FLIGHT)}
    try:
        for log in logs.values():
            await append_batch(log, 200)  # warm up: scripts loaded, connections open
        for n in range(rounds):
            names = list(logs)
            for name in names[n % 3 :] + names[: n % 3]:
                rates[f"{name}_1"].append(await append_batch(logs[name], batch))
                rates[f"{name}_{IN_FLIGHT}"].append(
                    await append_batch(logs[name], 4 * batch, IN_FLIGHT)
                )
    finally:
        await single.aclose()
        await cluster.aclose()
    figures = {}
    for name in logs:
        figures[f"{name}_appends_per_s"] = statistics.median(rates[f"{name}_1"])
        figures[f"{name}_appends_{IN_FLIGHT}_in_flight_per_s"] = statistics.median(
            rates[f"{name}_{IN_FLIGHT}"]
        )
    return figures


async def registrations(
    single_url: str, cluster_url: str, scratch: Path, rounds: int = 3
) -> dict[str, float]:
    """POST /dossiers at 300/s, intake in one process per core, on each configuration."""
    workers = os.cpu_count() or 1
    where = {"single": single_url, "cluster_ack0": cluster_url, "cluster_ack1": cluster_url}
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in CONFIGURATIONS}
    for n in range(rounds):
        for name, acks in CONFIGURATIONS.items():
            settings = {"JASA_REDIS_REPLICAS_ACK": str(acks)}
            runs[name].append(
                await latency.register_latency(
                    where[name], scratch / f"{name}-{n}", workers, settings=settings
                )
            )
    figures = {}
    for name, measured in runs.items():
        for figure in ("register_p50_ms", "register_p99_ms"):
            figures[f"{name}_{figure}"] = statistics.median(run[figure] for run in measured)
        figures[f"{name}_register_failed_calls"] = sum(r["register_failed_calls"] for r in measured)
    return figures


async def measure(
    single_url: str, cluster_url: str, scratch: Path, rounds: int = 3
) -> dict[str, float]:
    print("appends: single server, cluster with 0 and 1 replica acks ...", flush=True)
    figures = await appends(single_url, cluster_url)
    print(
        "POST /dossiers at 300/s: single server, cluster with 0 and 1 replica acks ...", flush=True
    )
    return figures | await registrations(single_url, cluster_url, scratch, rounds)


def main() -> None:
    rounds = int(os.environ.get("BENCH_CLUSTER_ROUNDS", "3"))
    with tempfile.TemporaryDirectory(prefix="jasa-bench-cluster-") as scratch:
        single = RedisServer(Path(scratch) / "redis", durable=False).start()
        cluster = LocalCluster(Path(scratch) / "cluster").start()
        try:
            asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())  # as the services run
            figures = asyncio.run(measure(single.url, cluster.url, Path(scratch), rounds))
        finally:
            cluster.stop()
            single.stop()
    for name, value in figures.items():
        print(f"{name:48} {value:12,.2f}")
    print(json.dumps({name: round(value, 3) for name, value in figures.items()}))


if __name__ == "__main__":
    main()
