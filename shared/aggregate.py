"""Loading an aggregate: fold its own stream's events into state. Domain modules supply
the pure `evolve(state, event) -> state`; this is the only I/O around it."""

from collections.abc import Callable
from typing import TypeVar

from shared.events import Envelope
from shared.log import EventLog

S = TypeVar("S")


async def load_aggregate(
    log: EventLog, stream_id: str, evolve: Callable[[S, Envelope], S], initial: S
) -> tuple[S, int]:
    """The aggregate's state and its version (how many events its stream holds)."""
    events = await log.load(stream_id)
    state = initial
    for event in events:
        state = evolve(state, event)
    return state, len(events)
