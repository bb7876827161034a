"""The log client's single-event append (expected-version check, idempotency, global log and
aggregate stream in one Lua step) against a raw XADD loop of the same payload, same server."""

import statistics
import time
import uuid

from redis.asyncio import Redis

from shared.events import encode_for_log
from shared.keys import Keys
from shared.log import EventLog
from tests.factories import registered


async def append_rate(redis: Redis, count: int) -> float:
    log = EventLog(redis, Keys("1471", f"bench-{uuid.uuid4().hex[:8]}:"))
    events = [registered() for _ in range(count)]
    started = time.perf_counter()
    for event in events:
        await log.append(event.stream_id, [event], expected_version=0)
    return count / (time.perf_counter() - started)


async def xadd_rate(redis: Redis, count: int) -> float:
    stream = f"bench-{uuid.uuid4().hex[:8]}:raw"
    payloads = [encode_for_log(registered()) for _ in range(count)]
    started = time.perf_counter()
    for payload in payloads:
        await redis.xadd(stream, {"type": "DocumentRegistered", "event": payload})
    return count / (time.perf_counter() - started)


async def measure(redis: Redis, count: int = 5000, rounds: int = 5) -> dict[str, float]:
    """Interleaved rounds, medians: both loops see the same machine state."""
    await append_rate(redis, 200)  # warm up: script load, connection
    appends, xadds = [], []
    for _ in range(rounds):
        xadds.append(await xadd_rate(redis, count))
        appends.append(await append_rate(redis, count))
    append, xadd = statistics.median(appends), statistics.median(xadds)
    return {"append_per_s": append, "xadd_per_s": xadd, "append_vs_xadd": append / xadd}
