"""Running a command on the log: load what it decides on, decide, append with the versions it
loaded. When another command appended to one of those streams in between, the append writes
nothing, and the command is run again on what the log holds now: its decision may differ
(the next letter number), or refuse with the domain's own reason (already delivered). One
policy for every service, so that a race is answered alike wherever it happens."""

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from shared.errors import Conflict
from shared.log import ConcurrencyConflict

T = TypeVar("T")

# Enough for a whole office racing on one stream (every Kasubbag Umum drafting on the
# year's letter register at once); a stream that keeps moving past that is answered 409.
CONFLICT_ATTEMPTS = 64


async def run_command(attempt: Callable[[], Awaitable[T]], *, busy: str) -> T:
    """`attempt` (load, decide, append) until its append holds; `busy` is the 409's sentence
    when the streams kept moving for every attempt."""
    for n in range(CONFLICT_ATTEMPTS):
        try:
            return await attempt()
        except ConcurrencyConflict:
            # A random pause that grows with each loss, so that commands that lost together
            # do not meet again at once.
            await asyncio.sleep(random.uniform(0, 0.005 * (n + 1)))
    raise Conflict(busy)
