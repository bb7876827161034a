"""The log client's single-event append (expected-version check, idempotency, global log and
aggregate stream in one Lua step) against a raw XADD loop of the same payload, same server.

The machine is shared and noisy: the two loops run in short alternating batches and the
figure is the median of the per-pair ratios, so both always see the same conditions. The
goal's figure is one call at a time (each waits for its answer); beside it, the same with 16
callers at once, as a busy service appends."""

import asyncio
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import NamedTuple, TypeVar

from redis.asyncio import Redis

from shared.events import Envelope, encode_for_log
from shared.keys import Keys
from shared.log import EventLog
from tests.factories import registered

T = TypeVar("T")


async def append_batch(log: EventLog, count: int, callers: int = 1) -> float:
    async def loop(events: list[Envelope]) -> None:
        for event in events:
            await log.append(event.stream_id, [event], expected_version=0)

    return await _rate(loop, [registered() for _ in range(count)], callers)


async def xadd_batch(redis: Redis, stream: str, count: int, callers: int = 1) -> float:
    async def loop(payloads: list[bytes]) -> None:
        for payload in payloads:
            await redis.xadd(stream, {"type": "DocumentRegistered", "event": payload})

    return await _rate(loop, [encode_for_log(registered()) for _ in range(count)], callers)


async def _rate(loop: Callable[[list[T]], Awaitable[None]], items: list[T], callers: int) -> float:
    """Items per second through `loop`, the items shared out among `callers` loops at once."""
    started = time.perf_counter()
    await asyncio.gather(*(loop(items[n::callers]) for n in range(callers)))
    return len(items) / (time.perf_counter() - started)


async def measure(redis: Redis, batch: int = 250, pairs: int = 40) -> dict[str, float]:
    run = uuid.uuid4().hex[:8]
    log = EventLog(redis, Keys("1471", f"bench-append-{run}:"))
    stream = f"bench-xadd-{run}:raw"
    await append_batch(log, 200)  # warm up: script load, connection
    await xadd_batch(redis, stream, 200)
    await redis.config_resetstat()  # the server's time per call, of the measured calls only
    one = await _pairs(log, redis, stream, batch, pairs, callers=1)
    commands = await redis.info("commandstats")
    # The same with 16 callers at once (as a service under load): throughput, not latency.
    busy = await _pairs(log, redis, stream, 4 * batch, pairs // 4, callers=IN_FLIGHT)
    return {
        "append_per_s": one.append,
        "xadd_per_s": one.xadd,
        "append_vs_xadd": one.ratio,
        "server_us_per_append": float(commands["cmdstat_evalsha"]["usec_per_call"]),
        "server_us_per_xadd": float(commands["cmdstat_xadd"]["usec_per_call"]),
        f"append_{IN_FLIGHT}_in_flight_per_s": busy.append,
        f"xadd_{IN_FLIGHT}_in_flight_per_s": busy.xadd,
        f"append_vs_xadd_{IN_FLIGHT}_in_flight": busy.ratio,
    }


IN_FLIGHT = 16


class Rates(NamedTuple):
    append: float
    xadd: float
    ratio: float


async def _pairs(
    log: EventLog, redis: Redis, stream: str, batch: int, pairs: int, callers: int
) -> Rates:
    """Medians of `pairs` alternating batches: appends/s, XADDs/s and their per-pair ratio."""
    appends, xadds, ratios = [], [], []
    for n in range(pairs):
        if n % 2:
            xadd = await xadd_batch(redis, stream, batch, callers)
            append = await append_batch(log, batch, callers)
        else:
            append = await append_batch(log, batch, callers)
            xadd = await xadd_batch(redis, stream, batch, callers)
        appends.append(append)
        xadds.append(xadd)
        ratios.append(append / xadd)
    return Rates(*map(statistics.median, (appends, xadds, ratios)))
