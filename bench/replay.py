"""`jasa audit replay` over logs of two sizes, as the auditor runs it (its own process): the
events/s it reports for the rebuild and the peak RSS of that process (from wait4, taken by
`bench.peak_rss`: taken here, it would be at least this process's own peak).

The bench has no live reporting database, so the comparison step finds every rebuilt row
"only in replay" and the command exits 1; that is expected here and not a failure."""

import asyncio
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from redis.asyncio import Redis

from bench.fill import fill
from bench.latency import service_env
from shared.keys import Keys

REPLAYED = re.compile(r"replayed (\d+) events in ([\d.]+) s")


async def replay_at(redis_url: str, scratch: Path, events: int) -> dict[str, float]:
    prefix = f"bench-replay-{events}-{os.getpid()}:"
    redis = Redis.from_url(redis_url)
    try:
        fill_rate = await fill(redis, Keys("1471", prefix), events)
    finally:
        await redis.aclose()
    data_dir = scratch / f"replay-{events}"
    data_dir.mkdir(parents=True, exist_ok=True)
    return {
        f"fill_{events}_per_s": fill_rate,
        **await asyncio.to_thread(_replay, redis_url, prefix, data_dir, events),
    }


def _replay(redis_url: str, prefix: str, data_dir: Path, events: int) -> dict[str, float]:
    # Rebuilt where the auditor's own run rebuilds: a temporary SQLite file (here in data_dir).
    replay = [sys.executable, "-m", "services.cli", "audit", "replay", "--show", "0"]
    peak = data_dir / "replay-peak-rss-kib"
    command = [sys.executable, "-m", "bench.peak_rss", str(peak), *replay]
    started = time.perf_counter()
    child = subprocess.Popen(
        command, env=service_env(redis_url, prefix, data_dir) | {"TMPDIR": str(data_dir)},
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    output = child.stdout.read().decode() if child.stdout else ""
    status = child.wait()
    wall = time.perf_counter() - started
    found = REPLAYED.search(output)
    if status not in (0, 1) or not found:
        raise RuntimeError(f"jasa audit replay failed: {output[-500:]}")
    count, seconds = int(found.group(1)), float(found.group(2))
    return {
        f"replay_{events}_events": float(count),
        f"replay_{events}_events_per_s": count / seconds,
        f"replay_{events}_peak_rss_mb": int(peak.read_text()) / 1024,
        f"replay_{events}_command_s": wall,
    }
