"""Loading an aggregate: fold its own stream's events into state. Domain modules supply
the pure `evolve(state, event) -> state`; this is the only I/O around it."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from shared.events import Envelope
from shared.log import EventLog

S = TypeVar("S")
R = TypeVar("R")


async def load_aggregate(
    log: EventLog, stream_id: str, evolve: Callable[[S, Envelope], S], initial: S
) -> tuple[S, int]:
    """The aggregate's state and its version (how many events its stream holds)."""
    return _folded(await log.load(stream_id), evolve, initial)


async def load_aggregates(
    log: EventLog, stream_ids: Sequence[str], evolve: Callable[[S, Envelope], S], initial: S
) -> list[tuple[S, int]]:
    """`load_aggregate` of many aggregates of one kind (each from `initial`), read at once."""
    return [_folded(events, evolve, initial) for events in await log.load_many(stream_ids)]


def _folded(
    events: Sequence[Envelope], evolve: Callable[[S, Envelope], S], initial: S
) -> tuple[S, int]:
    state = initial
    for event in events:
        state = evolve(state, event)
    return state, len(events)


@dataclass(frozen=True, slots=True)
class Committed(Generic[R]):
    """What a command made, and the log position of its last event: the position a caller
    gives back to read its own write."""

    result: R
    position: str


def committed(result: R, appended: Sequence[Envelope]) -> Committed[R]:
    position = appended[-1].position
    assert position is not None, "an appended event has its position"
    return Committed(result, position)
