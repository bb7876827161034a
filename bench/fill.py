"""Fill an office log with lifecycles quickly, as the services write it: each event built
and its personal data sealed under its dossier's key (`shared.privacy`, a few thousand
events at once), then XADDed to the global log in pipelines."""

import itertools
import time
from datetime import datetime

from redis.asyncio import Redis

from bench.latency import privacy
from bench.lifecycles import START, envelope, steps
from shared.events import encode_for_log, with_fields
from shared.keys import Keys

EVENTS_PER_DOSSIER = 2 + 4 / 10  # registered + delivered/returned, and per recap of ten: 4


async def fill(
    redis: Redis, keys: Keys, events: int, batch: int = 5000, start: datetime = START
) -> float:
    """Append about `events` events of whole lifecycles, the first at `start` and one a second
    after it, to the office log; events/s."""
    started = time.perf_counter()
    sealer = privacy(redis, keys)
    lifecycles = steps(round(events / EVENTS_PER_DOSSIER), start=start)
    while chunk := list(itertools.islice(lifecycles, batch)):
        built = [with_fields(envelope(step), version=step.version) for step in chunk]
        pipe = redis.pipeline(transaction=False)
        for event in await sealer.seal(built):
            pipe.execute_command(
                "XADD", keys.log, "*", "type", event.type, "event", encode_for_log(event)
            )
        await pipe.execute()
    written = int(await redis.xlen(keys.log))
    return written / (time.perf_counter() - started)
