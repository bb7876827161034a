"""The long run: years of one office, its finished past archived as it goes.

Each simulated day's lifecycles (bench.lifecycles, the courier out for delivery before each
visit, every returned document received back the same day) are sealed and written as the
services' append writes them (the log, each event's copy in its stream under the same id,
the event-id index), at positions of the simulated time, with each handover's manifest on
the courier feed as the courier publishes it; the reporting service's archivist archives
and projects them, and seals its chain; once a week `jasa log archive` runs as of that day
(hot window 90 days). Redis's `used_memory`, and what each kind of key holds of it, is
taken after day 90 and at the end; the log is then read as a replay into cards reads it,
the archived part and the hot part timed apart, then replayed into control cards against
eventsourcing's replay of the same history (each day's events saved through it as they are
written here), and `jasa audit replay`'s rebuild reads the whole history through the tiered
store (archive, then Redis).

BENCH_LONG_DAYS (default 1095, three years) and BENCH_LONG_DOSSIERS_PER_DAY (default 1000:
about three million events) size it."""

import asyncio
import os
import re
import statistics
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import aclosing
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from eventsourcing.application import Application
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.card import ControlCards
from bench.latency import PII_KEY
from bench.lifecycles import KASUBBAG, Step, envelope, steps
from bench.stage import alone
from bench.versus_eventsourcing import Office, Stream, our_replay, their_replay
from services.courier.feed import CourierFeed
from services.courier.queries import DocumentPublic, HandoverPublic, HandoverStatus
from services.reporting.archive import seal_head
from services.reporting.archivist import Archivist
from services.reporting.replay import rebuild
from services.reporting.sealing import Sealer
from services.reporting.trimming import archive_log
from shared.db import create_tables, make_engine, session_factory
from shared.events import Envelope, encode_for_log, with_fields
from shared.heap import batch_collections, freeze_heap
from shared.keys import Keys
from shared.log import EventLog
from shared.masking import mask_document_number
from shared.privacy import Privacy
from shared.stores.tiered import TieredEventStore, tiered_store
from shared.tiered_data_keys import tiered_data_keys
from shared.vocabulary import DossierStatus

HOT_DAYS = 90
ARCHIVE_EVERY_DAYS = 7
PROGRESS_EVERY_DAYS = 90  # a line on the way: a run of hours shows where it is


def lifecycles(dossiers: int, start: datetime) -> Iterator[Step]:
    """A day's lifecycles: the courier sets out (a receipt code sent) just before each
    delivery or return; a returned document is received back two hours later."""
    later: list[Step] = []
    for step in steps(dossiers, start=start):
        if step.type in ("Delivered", "Returned"):
            ids = {"dossier_id": step.data["dossier_id"], "letter_id": step.data["letter_id"]}
            yield replace(step, type="OutForDelivery", data=ids | {"receipt_code": "482913"})
            step = replace(step, version=2, at=step.at + timedelta(milliseconds=500))
            if step.type == "Returned":
                later.append(replace(step, version=3, type="ReturnReceived", data=ids,
                                     actor=KASUBBAG, at=step.at + timedelta(hours=2)))  # fmt: skip
        yield step
    yield from later


async def long_run(redis_url: str, scratch: Path) -> dict[str, float]:
    days = int(os.environ.get("BENCH_LONG_DAYS", "1095"))
    per_day = int(os.environ.get("BENCH_LONG_DOSSIERS_PER_DAY", "1000"))
    keys = Keys("1471", f"bench-long-{os.getpid()}:")
    redis = Redis.from_url(redis_url)
    (scratch / "long").mkdir(parents=True, exist_ok=True)
    engine = make_engine(f"sqlite+aiosqlite:///{scratch / 'long' / 'reporting.db'}")
    fresh = make_engine(f"sqlite+aiosqlite:///{scratch / 'long' / 'replay.db'}", scratch=True)
    figures: dict[str, float] = {}
    try:
        await create_tables(engine)
        sessions = session_factory(engine)
        log = EventLog(tiered_store(redis, keys, engine), keys)
        sealer = Sealer(Ed25519PrivateKey.generate(), keys.office)
        archivist = Archivist(log, sessions, sealer, checkpoint_every=1000, page_size=1000)
        writer = Writer(redis, keys, engine)
        theirs = TheirHistory(str(scratch / "long" / "eventsourcing.db"))
        started = time.perf_counter()
        first = datetime.now(UTC) - timedelta(days=days)
        trimmed, moved = 0, 0
        for day in range(days):
            today = first + timedelta(days=day)
            written = await writer.write(list(lifecycles(per_day, today)))
            await theirs.save_day(written)
            await archivist(written[-1])
            if day % ARCHIVE_EVERY_DAYS == ARCHIVE_EVERY_DAYS - 1 or day == days - 1:
                async with sessions() as session:
                    await seal_head(session, sealer)
                run = await archive_log(
                    log, sessions, sealer.public_key, HOT_DAYS, now=today + timedelta(days=1)
                )
                trimmed, moved = trimmed + run.events, moved + run.keys_moved
                await writer.follow()  # its LogArchived record took a position of today's time
            if day == HOT_DAYS - 1 or day == days - 1:
                at = "after_90_days" if day == HOT_DAYS - 1 else "at_end"
                figures |= await memory(redis, keys, at)
            if day % PROGRESS_EVERY_DAYS == PROGRESS_EVERY_DAYS - 1:
                used = int((await redis.info("memory"))["used_memory"]) / 2**20
                print(f"  day {day + 1}: {writer.events:,} events, used_memory {used:,.1f} MB, "
                      f"{time.perf_counter() - started:,.0f} s", flush=True)  # fmt: skip
        figures["long_days"] = float(days)
        figures["long_events"] = float(writer.events)
        figures["long_trimmed_events"] = float(trimmed)
        figures["long_data_keys_moved"] = float(moved)
        figures["long_run_s"] = time.perf_counter() - started - theirs.seconds
        figures["long_used_memory_end_vs_90_days"] = (
            figures["long_used_memory_at_end_mb"] / figures["long_used_memory_after_90_days_mb"]
        )
        figures |= await read_rates(log)
        figures |= await versus_eventsourcing(log, theirs)
        await create_tables(fresh, indexes=False)
        rebuilt = await rebuild(log, session_factory(fresh))
        figures["long_replay_events"] = float(rebuilt.events)
        figures["long_replay_events_per_s"] = rebuilt.events_per_second
    finally:
        await theirs.close()
        await redis.aclose()
        await engine.dispose()
        await fresh.dispose()
    return figures


async def read_rates(log: EventLog) -> dict[str, float]:
    """Events/s of the log read and decoded as a replay into cards reads it (`EventLog.pages`),
    up to the trim point (the archive, and what Redis kept between) and after it (Redis)."""
    store = log.store
    assert isinstance(store, TieredEventStore)
    point = await store.hot.trim_point() or "0-0"
    figures = {}
    for part, after, until in (("archived", "0-0", point), ("hot", point, None)):
        count, started = 0, time.perf_counter()
        async with aclosing(store.pages(after, 1000, until)) as pages:
            async for page in pages:
                for record in page:
                    log.mapper.stored(record)
                count += len(page)
        figures[f"long_read_{part}_events"] = float(count)
        figures[f"long_read_{part}_events_per_s"] = count / (time.perf_counter() - started)
    return figures


class TheirHistory:
    """The same history saved through eventsourcing as it is written here, so that the two
    replays read like against like: each day's events as stored (personal data sealed), into
    an SQLite file (its default set-up). A day's streams are saved in one call (one
    transaction, as an Application saves several aggregates), each stream's events together
    and the streams in the order of their first event: each dossier still sees its events in
    the log's order, which is all a control card depends on (the replays check the cards are
    the same). eventsourcing's SQLite connections belong to the thread that made them: one
    thread of its own."""

    def __init__(self, database: str) -> None:
        self.thread = ThreadPoolExecutor(max_workers=1)
        self.database = database
        self.app: Application | None = None
        self.seconds = 0.0

    async def save_day(self, events: Sequence[Envelope]) -> None:
        started = time.perf_counter()
        await asyncio.get_running_loop().run_in_executor(self.thread, self._save, events)
        self.seconds += time.perf_counter() - started

    def _save(self, events: Sequence[Envelope]) -> None:
        if self.app is None:
            self.app = Office(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                                   "SQLITE_DBNAME": self.database})  # fmt: skip
        streams: dict[str, Stream] = {}
        for event in events:
            step = Step(event.stream_id, event.version, event.type,
                        event.data.model_dump(mode="json"), event.actor.model_dump(mode="json"),
                        event.occurred_at)  # fmt: skip
            if (stream := streams.get(event.stream_id)) is None:
                streams[event.stream_id] = Stream.start(step)
            else:
                stream.record(step)
        self.app.save(*streams.values())

    async def replay(self) -> tuple[float, ControlCards]:
        assert self.app is not None, "nothing was saved"
        return await asyncio.get_running_loop().run_in_executor(self.thread, their_replay, self.app)

    async def close(self) -> None:
        if self.app is not None:
            await asyncio.get_running_loop().run_in_executor(self.thread, self.app.close)
        self.thread.shutdown()


# Each replay of the whole history lasts a minute or more at full size: two of each side,
# alternating, and the ratio is the median of the pairs' ratios.
REPLAYS = 2


async def versus_eventsourcing(log: EventLog, theirs: TheirHistory) -> dict[str, float]:
    """The whole history (archive, then Redis) replayed into control cards as
    bench.versus_eventsourcing replays its lifecycles, against eventsourcing's replay of the
    same history into the same cards. Both run with the garbage collection `jasa audit` sets
    for a pass over a whole log."""
    freeze_heap()  # as bench.versus_eventsourcing does: years of writing are not the replay's
    pairs = []
    with batch_collections():
        for _ in range(REPLAYS):
            ours, our_cards = await our_replay(log)
            their_rate, their_cards = await theirs.replay()
            assert our_cards.as_text() == their_cards.as_text(), "both build the same cards"
            del our_cards, their_cards
            pairs.append((ours, their_rate))
    return {
        "long_replay_cards_events_per_s": statistics.median(p[0] for p in pairs),
        "long_eventsourcing_replay_per_s": statistics.median(p[1] for p in pairs),
        "long_replay_vs_eventsourcing": statistics.median(o / t for o, t in pairs),
        "long_eventsourcing_write_s": theirs.seconds,
    }


# What each kind of key of the office holds: a key's name without its ids.
KINDS = {
    "log": re.compile(r"log$"),
    "event_ids": re.compile(r"event-ids$"),
    "streams": re.compile(r"stream:"),
    "trimmed_counts": re.compile(r"trimmed:"),
    "pii_keys": re.compile(r"pii-keys"),
    "courier_feed": re.compile(r"courier-feed"),
}


async def memory(redis: Redis, keys: Keys, at: str) -> dict[str, float]:
    """Redis's used memory, the office log's length, and the memory (MEMORY USAGE) and
    number of each kind of key of the office."""
    used = int((await redis.info("memory"))["used_memory"])
    figures = {
        f"long_used_memory_{at}_mb": used / 2**20,
        f"long_log_length_{at}": float(await redis.xlen(keys.log)),
    }
    held: dict[str, list[int]] = {kind: [0, 0] for kind in [*KINDS, "other"]}
    names = [bytes(name) async for name in redis.scan_iter(match=keys.scoped("*"), count=1000)]
    for start in range(0, len(names), 1000):
        async with redis.pipeline(transaction=False) as pipe:
            for name in names[start : start + 1000]:
                pipe.memory_usage(name, samples=0)
            sizes = await pipe.execute()
        for name, size in zip(names[start : start + 1000], sizes, strict=True):
            suffix = name.decode().split("}:", 1)[1]
            kind = next((k for k, pattern in KINDS.items() if pattern.match(suffix)), "other")
            held[kind][0] += 1
            held[kind][1] += int(size or 0)
    for kind, (count, size) in held.items():
        figures[f"long_{kind}_{at}_keys"] = float(count)
        figures[f"long_{kind}_{at}_mb"] = size / 2**20
    return figures


class Writer:
    """Writes events as append.lua does (log entry, the stream's copy under the same id, the
    event-id index), in pipelines, at positions of the simulated time; and each handover's
    manifest on the courier feed. Personal data is sealed under keys kept as the services
    keep them (Redis, and the archive once moved)."""

    def __init__(self, redis: Redis, keys: Keys, archive: AsyncEngine) -> None:
        self.redis, self.keys = redis, keys
        self.sealer = Privacy(tiered_data_keys(redis, keys, archive), keys, PII_KEY)
        self.feed = CourierFeed(redis, keys)
        self.last = (0, 0)
        self.events = 0

    async def write(self, day: list[Step]) -> list[Envelope]:
        """The day's events as written: sealed, each at its position."""
        day.sort(key=lambda step: step.at)
        built = [with_fields(envelope(step), version=step.version) for step in day]
        sealed = await self.sealer.seal(built)
        pipe = self.redis.pipeline(transaction=False)
        stamped = []
        for event in sealed:
            position = self._position(event.occurred_at)
            body = encode_for_log(event)
            fields = {"type": event.type, "event": body}
            pipe.xadd(self.keys.log, fields, id=position)  # type: ignore[arg-type]
            pipe.xadd(self.keys.stream(event.stream_id), fields, id=position)  # type: ignore[arg-type]
            pipe.hset(self.keys.event_ids, str(event.event_id), position)
            stamped.append(with_fields(event, position=position))
        await pipe.execute()
        for letter_id, manifest in manifests(day):
            await self.feed.publish(letter_id, manifest)
        self.events += len(stamped)
        return stamped

    async def follow(self) -> None:
        """Go on after the log's last entry, whatever wrote it."""
        top = await self.redis.xrevrange(self.keys.log, count=1)
        if top:
            ms, seq = top[0][0].decode().split("-")
            self.last = max(self.last, (int(ms), int(seq)))

    def _position(self, at: datetime) -> str:
        ms = int(at.timestamp() * 1000)
        self.last = (ms, 0) if ms > self.last[0] else (self.last[0], self.last[1] + 1)
        return f"{self.last[0]}-{self.last[1]}"


def manifests(day: Sequence[Step]) -> Iterator[tuple[str, HandoverPublic]]:
    """Each signed letter's manifest, as the courier publishes it on its feed."""
    registered = {s.data["dossier_id"]: s.data for s in day if s.type == "DocumentRegistered"}
    recaps = {s.data["recap_id"]: s.data["dossier_ids"] for s in day if s.type == "RecapCompiled"}
    for step in day:
        if step.type != "LetterSigned":
            continue
        documents = [
            DocumentPublic(
                dossier_id=dossier, name=data["name"], address=data["address"],
                phone=data["phone"], document_type=data["document_type"],
                document_number=mask_document_number(data["document_number"]),
                delivery_status=DossierStatus.LETTER_SIGNED,
            )
            for dossier in recaps[step.data["recap_id"]]
            for data in [registered[dossier]]
        ]  # fmt: skip
        yield step.data["letter_id"], HandoverPublic(
            letter_id=step.data["letter_id"], letter_number=step.data["letter_number"],
            status=HandoverStatus.READY, documents=documents,
        )  # fmt: skip


if __name__ == "__main__":
    alone(long_run)
