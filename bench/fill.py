"""Fill an office log with lifecycles quickly: the canonical bytes straight from orjson
(`lifecycles.log_entry`), XADDed to the global log in pipelines of a few thousand."""

import time

from redis.asyncio import Redis

from bench.lifecycles import Ids, log_entry, steps
from shared.keys import Keys

EVENTS_PER_DOSSIER = 2 + 4 / 10  # registered + delivered/returned, and per recap of ten: 4


async def fill(redis: Redis, keys: Keys, events: int, batch: int = 5000) -> float:
    """Append about `events` events of whole lifecycles to the office log; events/s."""
    started = time.perf_counter()
    new_id = Ids()
    pipe = redis.pipeline(transaction=False)
    pending = 0
    for step in steps(round(events / EVENTS_PER_DOSSIER)):
        _, body = log_entry(step, new_id)
        pipe.execute_command("XADD", keys.log, "*", "type", step.type, "event", body)
        pending += 1
        if pending == batch:
            await pipe.execute()
            pending = 0
    if pending:
        await pipe.execute()
    written = int(await redis.xlen(keys.log))
    return written / (time.perf_counter() - started)
