"""`make bench`: runs against private Redis servers it starts, prints a table, and prints as
its last line one JSON object of ratios and figures, all measured in this run.

Replay sizes: 100,000 and the issue's 1,000,000 events by default (the peak RSS of both shows
whether memory stays flat as the log grows); BENCH_REPLAY_SIZES=20000,100000 make bench for a
shorter run. The append and register figures are measured on a Redis Cluster too (three
primaries, a replica each), beside the single server (bench/cluster.py). The officers' pages
(the FO registration page and the dossier list over 10,000 dossiers, 20 officers signed in)
are measured last (bench/pages.py). The long run (bench.long_run) is sized by
BENCH_LONG_DAYS and BENCH_LONG_DOSSIERS_PER_DAY."""

import asyncio
import json
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import uvloop
from redis.asyncio import Redis
from rich.console import Console
from rich.table import Table

from bench import (
    append,
    cluster,
    latency,
    long_run,
    pages,
    replay,
    versus_eventsourcing,
    webhooks,
)
from bench.machine import cpu_times, memory_probe_ms, probe_ms
from bench.stage import machine
from shared.local_cluster import LocalCluster
from shared.redis_server import RedisServer

GOALS = {
    "append_vs_eventsourcing": ">= 2.0",
    "replay_vs_eventsourcing": ">= 1.0",
    "replay_events_per_s": ">= 50,000",
    "replay_peak_rss_mb": "<= 300",
    "register_p99_ms": "<= 25",
    "propagation_p99_ms": "<= 100",
    "webhook_lag_p99_ms": "<= 250",
    "cluster_ack1_register_p99_ms": "<= 25",
    "fo_page_p95_ms": "<= 100",
    "dossier_list_p95_ms": "<= 100",
    "long_used_memory_end_vs_90_days": "<= 1.2",
}


async def run(
    url: str, durable_url: str, cluster_url: str, scratch: Path, sizes: list[int]
) -> dict[str, float]:
    figures: dict[str, float] = {}
    redis, durable = Redis.from_url(url), Redis.from_url(durable_url)
    try:
        print("append vs XADD ...", flush=True)
        figures |= await append.measure(redis)
        print("append and replay vs eventsourcing ...", flush=True)
        figures |= await versus_eventsourcing.measure(durable, redis, scratch)
    finally:
        await redis.aclose()
        await durable.aclose()
    for size in sizes:
        print(f"jasa audit replay over {size:,} events ...", flush=True)
        figures |= await replay.replay_at(url, scratch, size)
    largest = max(sizes)
    figures["replay_events_per_s"] = figures[f"replay_{largest}_events_per_s"]
    figures["replay_peak_rss_mb"] = figures[f"replay_{largest}_peak_rss_mb"]
    # Intake as deployed, one process per core (`jasa serve --workers`); one process beside.
    workers = os.cpu_count() or 1
    print(f"POST /dossiers at 300/s, intake in {workers} processes ...", flush=True)
    figures |= await median_of(
        ROUNDS, lambda n: latency.register_latency(url, scratch / f"r{n}", workers)
    )
    print("POST /dossiers at 300/s, intake in one process ...", flush=True)
    single = await median_of(ROUNDS, lambda n: latency.register_latency(url, scratch / f"s{n}"))
    figures |= {
        "register_one_process_p50_ms": single["register_p50_ms"],
        "register_one_process_p99_ms": single["register_p99_ms"],
        "register_one_process_failed_calls": single["register_failed_calls"],
    }
    print("append -> reporting projection at 300/s ...", flush=True)
    figures |= await median_of(
        ROUNDS, lambda n: latency.propagation_latency(url, scratch / f"p{n}")
    )
    print("LetterSigned append -> webhook receiver's 2xx at 50 handovers/s ...", flush=True)
    figures |= await median_of(ROUNDS, lambda n: webhooks.webhook_lag(url, scratch / f"w{n}"))
    # Three primaries with a replica each, beside the single server, in turns (bench.cluster).
    figures |= await cluster.measure(url, cluster_url, scratch / "cluster", ROUNDS)
    print(
        f"GET / and GET /berkas?waktu=semua, {pages.USERS} officers signed in, "
        f"{pages.DOSSIERS:,} dossiers, intake in {workers} processes ...",
        flush=True,
    )
    figures |= await pages.page_latency(url, scratch / "pages", workers, rounds=ROUNDS)
    print("years of one office, archived as they go ...", flush=True)
    figures |= await long_run.long_run(url, scratch)
    return figures


ROUNDS = 3  # the latency stages: each figure the median of three runs (the machine is noisy)


async def median_of(
    rounds: int, measure: Callable[[int], Awaitable[dict[str, float]]]
) -> dict[str, float]:
    """Each figure the median of the rounds; failed calls the sum of all rounds'."""
    runs = [await measure(n) for n in range(rounds)]
    return {
        name: (sum if name.endswith("_failed_calls") else statistics.median)(
            [run[name] for run in runs]
        )
        for name in runs[0]
    }


def main() -> None:
    sizes = [int(s) for s in os.environ.get("BENCH_REPLAY_SIZES", "100000,1000000").split(",")]
    started = time.monotonic()
    probes_at_start, cpu_at_start = (probe_ms(), memory_probe_ms()), cpu_times()
    with tempfile.TemporaryDirectory(prefix="jasa-bench-") as scratch:
        server = RedisServer(Path(scratch) / "redis", durable=False).start()
        # As deploy/redis.conf: AOF, fsync always (for the comparison with SQLite on disk).
        durable = RedisServer(Path(scratch) / "redis-aof", durable=True).start()
        nodes = LocalCluster(Path(scratch) / "redis-cluster").start()
        try:
            # The services run on uvloop; the load generator and the clients do too.
            asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
            figures = asyncio.run(run(server.url, durable.url, nodes.url, Path(scratch), sizes))
        finally:
            server.stop()
            durable.stop()
            nodes.stop()
    # How fast the machine was: the same work at both ends, and the CPU time stolen meanwhile.
    figures["machine_loop_probe_start_ms"], figures["machine_memory_probe_start_ms"] = (
        probes_at_start
    )
    figures["machine_loop_probe_end_ms"] = probe_ms()
    figures["machine_memory_probe_end_ms"] = memory_probe_ms()
    cpu_at_end = cpu_times()
    if cpu_at_start is not None and cpu_at_end is not None:
        figures["machine_steal_percent"] = cpu_at_end.steal_percent_since(cpu_at_start)
    table = Table(title=f"Jasa Dukcapil benchmarks\n{machine()}")
    table.add_column("figure")
    table.add_column("value", justify="right")
    table.add_column("goal")
    for name, value in figures.items():
        table.add_row(name, f"{value:,.2f}", GOALS.get(name, ""))
    Console(width=100).print(table)
    print(f"(whole run {time.monotonic() - started:.0f} s)")
    keys = [*GOALS, "register_p50_ms", "cluster_ack1_register_p50_ms"]
    print(json.dumps({k: round(figures[k], 3) for k in keys}))


if __name__ == "__main__":
    main()
