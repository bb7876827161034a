"""The same dossier lifecycles appended, then replayed into the same control cards, through
this project's log (Redis) and through the `eventsourcing` library (SQLite persistence).

Both in memory, so that the engines are compared and not the disk: the bench's private Redis
runs without AOF, and eventsourcing's SQLite database is `:memory:`. (With fsync on every
write both are bound by the disk: about 100 appends/s each on this machine.)"""

import os
import time
from typing import Any

from redis.asyncio import Redis

from bench.card import ControlCards
from bench.lifecycles import Step, envelope, steps
from shared.keys import Keys
from shared.log import EventLog

try:
    from eventsourcing.application import Application
    from eventsourcing.domain import Aggregate
except ImportError as missing:  # pragma: no cover - `pip install -e '.[bench]'`
    raise SystemExit("the bench needs eventsourcing: pip install -e '.[bench]'") from missing


class Stream(Aggregate):
    """One stream of the SOP (a dossier, recap, letter, handover or delivery)."""

    class Started(Aggregate.Created):
        """The stream's first step: it starts the aggregate, so no event is extra."""

        stream_id: str
        kind: str
        data: dict[str, Any]
        role: str
        officer_id: str
        at: str

    class Recorded(Aggregate.Event):
        kind: str
        data: dict[str, Any]
        role: str
        officer_id: str
        at: str

        def apply(self, aggregate: Aggregate) -> None:
            pass

    @classmethod
    def start(cls, step: Step) -> "Stream":
        return cls._create(cls.Started, stream_id=step.stream_id, **_fields(step))

    def record(self, step: Step) -> None:
        self.trigger_event(self.Recorded, **_fields(step))


def _fields(step: Step) -> dict[str, Any]:
    return {
        "kind": step.type,
        "data": step.data,
        "role": step.actor["role"],
        "officer_id": step.actor["officer_id"],
        "at": step.at.isoformat(),
    }


class Office(Application[Any]):
    pass


class _Data:
    def __init__(self, fields: dict[str, Any]) -> None:
        self.__dict__.update(fields)


async def ours(redis: Redis, lifecycle: list[Step]) -> tuple[float, float, ControlCards]:
    """Append each step as a service does (its own command), then replay the log into cards."""
    log = EventLog(redis, Keys("1471", f"bench-es-{os.getpid()}-{time.monotonic_ns()}:"))
    started = time.perf_counter()
    for step in lifecycle:
        await log.append(step.stream_id, [envelope(step)], expected_version=step.version - 1)
    appended = len(lifecycle) / (time.perf_counter() - started)
    cards = ControlCards()
    started = time.perf_counter()
    after = "0-0"
    while page := await log.read(after, 1000):
        for event in page:
            actor = event.actor
            cards.apply(event.type, event.data, actor.role.value, actor.officer_id,
                        event.occurred_at)  # fmt: skip
        after = page[-1].position or after
    replayed = len(lifecycle) / (time.perf_counter() - started)
    return appended, replayed, cards


def theirs(lifecycle: list[Step]) -> tuple[float, float, ControlCards]:
    from datetime import datetime

    app = Office(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                      "SQLITE_DBNAME": ":memory:"})  # fmt: skip
    streams: dict[str, Stream] = {}
    started = time.perf_counter()
    for step in lifecycle:
        stream = streams.get(step.stream_id)
        if stream is None:
            stream = streams[step.stream_id] = Stream.start(step)
        else:
            stream.record(step)
        app.save(stream)
    appended = len(lifecycle) / (time.perf_counter() - started)
    cards = ControlCards()
    started = time.perf_counter()
    start, count = 1, 0
    while page := app.recorder.select_notifications(start, 1000):
        for notification in page:
            event = app.mapper.to_domain_event(notification)
            if isinstance(event, Stream.Started | Stream.Recorded):
                count += 1
                cards.apply(event.kind, _Data(event.data), event.role, event.officer_id,
                            datetime.fromisoformat(event.at))  # fmt: skip
        start = page[-1].id + 1
    replayed = count / (time.perf_counter() - started)
    app.close()
    return appended, replayed, cards


async def measure(redis: Redis, dossiers: int = 1500) -> dict[str, float]:
    lifecycle = list(steps(dossiers))
    our_append, our_replay, our_cards = await ours(redis, lifecycle)
    their_append, their_replay, their_cards = theirs(lifecycle)
    assert our_cards == their_cards, "both replays must build the same control cards"
    return {
        "lifecycle_events": float(len(lifecycle)),
        "ours_append_per_s": our_append,
        "eventsourcing_append_per_s": their_append,
        "append_vs_eventsourcing": our_append / their_append,
        "ours_replay_per_s": our_replay,
        "eventsourcing_replay_per_s": their_replay,
        "replay_vs_eventsourcing": our_replay / their_replay,
    }
