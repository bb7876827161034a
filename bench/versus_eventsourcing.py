"""The same dossier lifecycles appended, then replayed into the same control cards, through
this project's log (Redis) and through the `eventsourcing` library (SQLite persistence).

The headline figures compare the two as each is deployed, with the same promise: an
append answered is on disk. Ours runs on a private Redis configured as deploy/redis.conf
(AOF, `appendfsync always`); eventsourcing on an SQLite file in its own default set-up
(WAL journal, `synchronous=FULL`: every commit fsynced), in the same scratch directory.

Each command is appended as a service appends it: its own call, waiting for its answer.
A service serves many officers at once, so ours runs `IN_FLIGHT` recaps' lifecycles side
by side, each in its own order (what a dossier's card shows does not depend on the others);
eventsourcing's Application is synchronous and runs them one after another. The figures of
ours one command at a time (`..._sequential`) and of both in memory (Redis without AOF,
SQLite `:memory:`) are printed beside them."""

import asyncio
import os
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import aclosing
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from redis.asyncio import Redis

from bench.card import ControlCards
from bench.lifecycles import Step, envelope, recaps, steps
from shared.heap import freeze_heap
from shared.keys import Keys
from shared.log import EventLog
from shared.vocabulary import STATUS_AFTER_EVENT

try:
    from eventsourcing.application import Application
    from eventsourcing.domain import Aggregate, event
except ImportError as missing:  # pragma: no cover - `pip install -e '.[bench]'`
    raise SystemExit("the bench needs eventsourcing: pip install -e '.[bench]'") from missing


class Stream(Aggregate):
    """One stream of the SOP (a dossier, recap, letter, handover or delivery)."""

    # eventsourcing's declarative events: each decorated method is an event class of the
    # aggregate, triggered by calling it (its public way to create and record).
    @event("Started")
    def __init__(
        self, stream_id: str, kind: str, data: dict[str, Any], role: str, officer_id: str, at: str
    ) -> None:
        """The stream's first step: it starts the aggregate, so no event is extra."""

    @event("Recorded")
    def recorded(
        self, kind: str, data: dict[str, Any], role: str, officer_id: str, at: str
    ) -> None:
        pass

    @classmethod
    def start(cls, step: Step) -> "Stream":
        return cls(stream_id=step.stream_id, **_fields(step))

    def record(self, step: Step) -> None:
        self.recorded(**_fields(step))


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


IN_FLIGHT = 16


async def ours(redis: Redis, lifecycle: list[Step], in_flight: int = 1) -> tuple[float, EventLog]:
    """Append each step as a service does (its own command), `in_flight` recaps at once: the
    appends/s and the log."""
    log = EventLog(redis, Keys("1471", f"bench-es-{os.getpid()}-{time.monotonic_ns()}:"))
    runs = iter(recaps(lifecycle))

    async def worker() -> None:
        for run in runs:  # one shared iterator: each worker takes the next recap's run
            for step in run:
                expected = step.version - 1
                await log.append(step.stream_id, [envelope(step)], expected_version=expected)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(in_flight)))
    return len(lifecycle) / (time.perf_counter() - started), log


async def our_replay(log: EventLog) -> tuple[float, ControlCards]:
    """The log replayed into cards: events/s and the cards."""
    cards, count = ControlCards(), 0
    started = time.perf_counter()
    async with aclosing(log.pages(limit=1000)) as pages:
        async for page in pages:
            for event in page:
                if event.type in STATUS_AFTER_EVENT:  # not the log's own LogArchived records
                    actor = event.actor  # its role as the log hands it over: text (a StrEnum)
                    cards.apply(event.type, event.data, actor.role, actor.officer_id,
                                event.occurred_at)  # fmt: skip
                count += 1
    return count / (time.perf_counter() - started), cards


def theirs(lifecycle: list[Step], database: str) -> tuple[float, Application]:
    """The same steps saved through eventsourcing's Application: appends/s and the app."""
    app = Office(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": database})
    streams: dict[str, Stream] = {}
    started = time.perf_counter()
    for step in lifecycle:
        stream = streams.get(step.stream_id)
        if stream is None:
            stream = streams[step.stream_id] = Stream.start(step)
        else:
            stream.record(step)
        app.save(stream)
    return len(lifecycle) / (time.perf_counter() - started), app


def their_replay(app: Application) -> tuple[float, ControlCards]:
    """Its notification log replayed into cards: events/s and the cards."""
    from datetime import datetime

    cards = ControlCards()
    started = time.perf_counter()
    start, count = 1, 0
    while page := app.recorder.select_notifications(start, 1000):
        for notification in page:
            event = app.mapper.to_domain_event(notification)
            if isinstance(event, Stream.Started | Stream.Recorded):  # type: ignore[attr-defined]
                count += 1
                cards.apply(event.kind, SimpleNamespace(**event.data), event.role, event.officer_id,
                            datetime.fromisoformat(event.at))  # fmt: skip
        start = page[-1].id + 1
    return count / (time.perf_counter() - started), cards


async def measure(
    durable: Redis, in_memory: Redis, scratch: Path, dossiers: int = 1500, repeats: int = 3
) -> dict[str, float]:
    """`durable`: a Redis with AOF fsync always, its data in `scratch` as SQLite's file is;
    `in_memory`: one without AOF. Each figure is the median of `repeats` rounds, each ratio
    the median of the rounds' ratios (both sides of a ratio measured in the same round)."""
    lifecycle = list(steps(dossiers))
    freeze_heap()  # what both sides start from is left out of collections, as in a service
    rounds = [await _round(durable, in_memory, scratch / f"round-{n}", lifecycle)
              for n in range(repeats)]  # fmt: skip
    figures = {"lifecycle_events": float(len(lifecycle))}
    return figures | {name: statistics.median(r[name] for r in rounds) for name in rounds[0]}


# A replay of the lifecycle lasts about a tenth of a second here, less than the machine's
# own swings: each side replays this many times, the two alternating, and the replay figures
# are the medians (the ratio the median of the pairs' ratios).
REPLAYS = 5


async def _round(
    durable: Redis, in_memory: Redis, scratch: Path, lifecycle: list[Step]
) -> dict[str, float]:
    await asyncio.to_thread(scratch.mkdir, parents=True, exist_ok=True)
    figures: dict[str, float] = {}
    runs = {
        "": (durable, IN_FLIGHT, str(scratch / "eventsourcing.db")),
        "_sequential": (durable, 1, None),
        "_in_memory": (in_memory, IN_FLIGHT, ":memory:"),
    }
    # eventsourcing's SQLite connections belong to the thread that made them: one thread.
    with ThreadPoolExecutor(max_workers=1) as thread:
        loop = asyncio.get_running_loop()
        for suffix, (redis, in_flight, database) in runs.items():
            figures[f"ours_append{suffix}_per_s"], log = await ours(redis, lifecycle, in_flight)
            if database is None:
                figures[f"ours_replay{suffix}_per_s"] = (await our_replay(log))[0]
            else:
                appended, app = await loop.run_in_executor(thread, theirs, lifecycle, database)
                figures[f"eventsourcing_append{suffix}_per_s"] = appended
                pairs = []
                for _ in range(REPLAYS):
                    ours_rate, our_cards = await our_replay(log)
                    their_rate, their_cards = await loop.run_in_executor(thread, their_replay, app)
                    assert our_cards.as_text() == their_cards.as_text(), "both build the same cards"
                    pairs.append((ours_rate, their_rate))
                await loop.run_in_executor(thread, app.close)
                figures[f"ours_replay{suffix}_per_s"] = statistics.median(p[0] for p in pairs)
                figures[f"eventsourcing_replay{suffix}_per_s"] = statistics.median(
                    p[1] for p in pairs
                )
                figures[f"replay_vs_eventsourcing{suffix}"] = statistics.median(
                    ours_rate / their_rate for ours_rate, their_rate in pairs
                )
            await redis.delete(log.keys.log)
    for suffix in ("", "_in_memory"):
        figures[f"append_vs_eventsourcing{suffix}"] = (
            figures[f"ours_append{suffix}_per_s"] / figures[f"eventsourcing_append{suffix}_per_s"]
        )
    figures["append_vs_eventsourcing_sequential"] = (
        figures["ours_append_sequential_per_s"] / figures["eventsourcing_append_per_s"]
    )
    return figures
