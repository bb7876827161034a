"""The log client's single-event append (expected-version check, idempotency, global log and
aggregate stream in one Lua step) against a raw XADD loop of the same payload, same server.

The baseline is redis-py's `xadd`, what a Python team would otherwise call; the log sends
its append through the same client.

The machine is shared and noisy: the loops run in short batches, round by round, and each
figure is the median of the per-round ratios, so all see the same conditions. The goal's
figure is one call at a time (each waits for its answer); beside it, the same with 16
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
    return await _xadd_rate(
        lambda payload: redis.xadd(stream, {"type": "DocumentRegistered", "event": payload}),
        count,
        callers,
    )


async def _xadd_rate(xadd: Callable[[bytes], Awaitable[object]], count: int, callers: int) -> float:
    """XADDs/s of `count` registrations' payloads, each sent by `xadd`."""

    async def loop(payloads: list[bytes]) -> None:
        for payload in payloads:
            await xadd(payload)

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
    try:
        await append_batch(log, 200)  # warm up: script load, connections
        await xadd_batch(redis, stream, 200)
        await redis.config_resetstat()  # the server's time per call, of the measured calls only
        one = await _rounds(log, redis, stream, batch, pairs, callers=1)
        commands = await redis.info("commandstats")
        # The same with 16 callers at once (as a service under load): throughput, not latency.
        busy = await _rounds(log, redis, stream, 4 * batch, pairs // 4, callers=IN_FLIGHT)
    finally:
        await log.aclose()
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
    ratio: float  # append / XADD


async def _rounds(
    log: EventLog, redis: Redis, stream: str, batch: int, rounds: int, callers: int
) -> Rates:
    """Medians of `rounds` rounds of one batch each (appends and XADDs, in an order that
    turns round by round): the rates and the per-round ratios."""
    loops: list[Callable[[], Awaitable[float]]] = [
        lambda: append_batch(log, batch, callers),
        lambda: xadd_batch(redis, stream, batch, callers),
    ]
    rates: list[list[float]] = [[], []]
    for n in range(rounds):
        for k in [(n + shift) % 2 for shift in range(2)]:
            rates[k].append(await loops[k]())
    appends, xadds = rates
    ratios = [a / x for a, x in zip(appends, xadds, strict=True)]
    return Rates(*map(statistics.median, (appends, xadds, ratios)))
