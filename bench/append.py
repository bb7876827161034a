"""The log client's single-event append (expected-version check, idempotency, global log and
aggregate stream in one Lua step) against a raw XADD loop of the same payload, same server.

The machine is shared and noisy: the two loops run in short alternating batches and the
figure is the median of the per-pair ratios, so both always see the same conditions."""

import statistics
import time
import uuid

from redis.asyncio import Redis

from shared.events import encode_for_log
from shared.keys import Keys
from shared.log import EventLog
from tests.factories import registered


async def append_batch(log: EventLog, count: int) -> float:
    events = [registered() for _ in range(count)]
    started = time.perf_counter()
    for event in events:
        await log.append(event.stream_id, [event], expected_version=0)
    return count / (time.perf_counter() - started)


async def xadd_batch(redis: Redis, stream: str, count: int) -> float:
    payloads = [encode_for_log(registered()) for _ in range(count)]
    started = time.perf_counter()
    for payload in payloads:
        await redis.xadd(stream, {"type": "DocumentRegistered", "event": payload})
    return count / (time.perf_counter() - started)


async def measure(redis: Redis, batch: int = 250, pairs: int = 40) -> dict[str, float]:
    run = uuid.uuid4().hex[:8]
    log = EventLog(redis, Keys("1471", f"bench-append-{run}:"))
    stream = f"bench-xadd-{run}:raw"
    await append_batch(log, 200)  # warm up: script load, connection
    await xadd_batch(redis, stream, 200)
    appends, xadds, ratios = [], [], []
    for n in range(pairs):
        if n % 2:
            xadd = await xadd_batch(redis, stream, batch)
            append = await append_batch(log, batch)
        else:
            append = await append_batch(log, batch)
            xadd = await xadd_batch(redis, stream, batch)
        appends.append(append)
        xadds.append(xadd)
        ratios.append(append / xadd)
    commands = await redis.info("commandstats")
    return {
        "append_per_s": statistics.median(appends),
        "xadd_per_s": statistics.median(xadds),
        "append_vs_xadd": statistics.median(ratios),
        "server_us_per_append": float(commands["cmdstat_evalsha"]["usec_per_call"]),
        "server_us_per_xadd": float(commands["cmdstat_xadd"]["usec_per_call"]),
    }
