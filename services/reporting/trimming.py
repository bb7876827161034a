"""`jasa log archive` (and the reporting service's schedule): the finished past of an
office's log leaves Redis for the archive, where every reader still finds it.

A run takes the archived events before the last signed checkpoint that are older than the
hot window, whose dossiers are finished (`services.reporting.finished`) and that every
consumer group of the log has read and acknowledged, and:
1. checks them: the archive's chain is recomputed from a signed checkpoint before the first
   of them to a signed one after the last, so each event's bytes are those a checkpoint
   signed, and each entry in Redis must be byte for byte the one the archive gives back;
2. marks them in the archive with a new batch (one transaction);
3. records the batch in the log: a LogArchived event whose event id is the batch's (a retry
   is the same event: appended once);
4. trims them from Redis, a few hundred events per atomic step (trim.lua), and with each
   step what else of their dossiers Redis keeps (services.reporting.belongings: their data
   keys move to the archive's database), and marks the batch done.
Each step is repeatable, and a run first finishes any batch an earlier run marked but did
not finish: cut off anywhere, nothing is lost, and the next run goes on. A second run finds
nothing more to do. One run at a time per office (services.reporting.run_lock)."""

import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select as sa_select
from sqlalchemy import update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.reporting.archive import ArchivedEvent, TrimBatch
from services.reporting.belongings import Belongings, consumed_by_every_group
from services.reporting.entry_flaws import flaw_of
from services.reporting.leaving import Candidate, CannotTrim, scan
from services.reporting.run_lock import LEASE_S, one_run_at_a_time
from services.reporting.verification import trim_digest
from shared.db import chunks, table_of
from shared.events import Actor, LogArchived, decode_entry, encode, new_event
from shared.events.codec import EVENT_FIELD, TYPE_FIELD
from shared.log import ConcurrencyConflict, EventLog
from shared.stores.archived import entry_of
from shared.stores.tiered import TieredEventStore
from shared.tiered_data_keys import tiered_data_keys
from shared.vocabulary import Role

log = logging.getLogger("jasa.reporting.trimming")

LOG_ARCHIVE_STREAM = "log-archive"
SYSTEM_ACTOR = Actor(officer_id="system", name="jasa log archive", role=Role.AUDITOR)
TRIM_STEP = 500  # events trimmed in one atomic step: Redis serves others between steps

# Called after each step with its name ("checked", "marked", "recorded", "trimmed", "keys
# copied"), so a test can cut a run off where it wants.
Step = Callable[[str], Awaitable[None]]


async def _no_step(_: str) -> None:
    return None


@dataclass(frozen=True, slots=True)
class ArchiveRun:
    batches: int  # batches recorded and trimmed by this run (an earlier run's included)
    events: int  # events taken out of Redis by this run
    up_to: str | None  # the last position trimmed (None: nothing)
    keys_moved: int = 0  # data keys of their dossiers moved from Redis to the archive


async def archive_log(
    log_: EventLog,
    sessions: async_sessionmaker[AsyncSession],
    public_key: Ed25519PublicKey,
    hot_days: int = 90,
    now: datetime | None = None,
    step: Step = _no_step,
    trim_step: int | None = None,
    lock_lease_s: float = LEASE_S,
) -> ArchiveRun:
    """One run for the office of `log_` (whose store is the tiered one), taking `trim_step`
    events (default TRIM_STEP) out of Redis at a time, its lock held on a lease of
    `lock_lease_s` seconds."""
    store = log_.store
    if not isinstance(store, TieredEventStore):
        raise TypeError("archiving needs the log on the tiered store (archive and Redis)")
    redis = store.hot.redis
    async with one_run_at_a_time(redis, log_.keys, lock_lease_s):
        data_keys = tiered_data_keys(redis, log_.keys, store.archive.engine)
        belongings = Belongings(redis, log_.keys, data_keys)
        run = Run(log_, store, sessions, belongings, step, trim_step or TRIM_STEP)
        if not await run.belongings.caught_up():
            await run.catch_up()
        for batch in await run.unfinished():
            await run.finish(batch)
        before = (now or datetime.now(UTC)) - timedelta(days=hot_days)
        candidates = await run.candidates(public_key, before)
        if candidates:
            older = await run.check_in_redis(candidates)
            await step("checked")
            batch = await run.mark(candidates, older)
            await step("marked")
            await run.finish(batch)
        await run.belongings.forget_feed_entries()
        return ArchiveRun(run.batches, run.events, run.up_to, run.keys_moved)


class Run:
    def __init__(
        self,
        log_: EventLog,
        store: TieredEventStore,
        sessions: async_sessionmaker[AsyncSession],
        belongings: Belongings,
        step: Step,
        trim_step: int,
    ) -> None:
        self.log, self.store, self.sessions = log_, store, sessions
        self.trim_step = trim_step
        self.office, self.belongings, self.step = log_.keys.office, belongings, step
        self.batches, self.events, self.keys_moved = 0, 0, 0
        self.up_to: str | None = None

    async def unfinished(self) -> list[TrimBatch]:
        async with self.sessions() as session:
            query = select(TrimBatch).where(TrimBatch.office == self.office, ~col(TrimBatch.done))
            return list((await session.exec(query.order_by(col(TrimBatch.marked_at)))).all())

    async def candidates(self, public_key: Ed25519PublicKey, before: datetime) -> list[Candidate]:
        """The events that may leave Redis, their bytes checked against signed checkpoints."""
        consumed = await consumed_by_every_group(self.store.hot.redis, self.store.keys.log)
        async with self.sessions() as session:
            return await scan(session, self.office, public_key, before, consumed)

    async def check_in_redis(self, candidates: Sequence[Candidate]) -> dict[int, str]:
        """Each event to trim is in Redis as the archive gives it back, every field and byte.
        An event archived before the archive kept the bytes of an older schema version is
        taken as it is in Redis, if it is the archived event: its bytes, to keep (by seq)."""
        redis, key = self.store.hot.redis, self.store.keys.log
        older: dict[int, str] = {}
        for chunk in chunks(candidates, 1000):
            async with redis.pipeline(transaction=False) as pipe:
                for candidate in chunk:
                    pipe.xrange(key, candidate.position, candidate.position, count=1)
                replies = await pipe.execute()
            for candidate, reply in zip(chunk, replies, strict=True):
                kept = entry_of(
                    candidate.position, candidate.type, candidate.body, candidate.stored_event
                )
                fields = reply[0][1] if reply else {}
                if list(fields.items()) == list(kept.entry.items()):
                    continue
                if _older_bytes_of(candidate, fields):
                    older[candidate.seq] = fields[EVENT_FIELD].decode()
                    continue
                raise CannotTrim(
                    f"event {candidate.position} is not in the log as it was archived: "
                    "run `jasa audit verify`"
                )
        return older

    async def mark(self, candidates: Sequence[Candidate], older: dict[int, str]) -> TrimBatch:
        batch = TrimBatch(
            office=self.office,
            batch=str(uuid.uuid4()),
            up_to=candidates[-1].position,
            events=len(candidates),
            streams=len({c.stream_id for c in candidates}),
            digest=trim_digest([c.position for c in candidates]),
            marked_at=datetime.now(UTC),
        )
        archive = table_of(ArchivedEvent)
        async with self.sessions() as session:
            session.add(batch)
            connection = await session.connection()
            for chunk in chunks([c.seq for c in candidates]):
                await connection.execute(
                    update(archive)
                    .where(archive.c.office == self.office, archive.c.seq.in_(chunk))
                    .values(trimmed_by=batch.batch)
                )
            for seq, stored in older.items():
                await connection.execute(
                    update(archive)
                    .where(archive.c.office == self.office, archive.c.seq == seq)
                    .values(stored_event=stored)
                )
            await session.commit()
        return batch

    async def finish(self, batch: TrimBatch) -> None:
        """Record the batch in the log, trim it from Redis with its dossiers' belongings, mark
        it done: each repeatable."""
        await self._record(batch)
        await self.step("recorded")
        after = 0
        while marked := await self._marked(batch.batch, after):
            self.events += await self.store.hot.trim(
                [(row.position, row.stream_id, row.event_id) for row in marked]
            )
            await self.step("trimmed")
            bodies = [orjson.loads(row.body) for row in marked]
            self.keys_moved += await self.belongings.take_out(bodies, self.step)
            after = marked[-1].seq
        async with self.sessions() as session:
            done = await session.get(TrimBatch, (self.office, batch.batch))
            if done is not None:
                done.done = True
                await session.commit()
        self.batches += 1
        self.up_to = batch.up_to
        log.info(
            "office %s: %d events of %d streams archived and trimmed up to %s (batch %s)",
            self.office, batch.events, batch.streams, batch.up_to, batch.batch,
        )  # fmt: skip

    async def catch_up(self) -> None:
        """Take out the belongings of the dossiers of every batch trimmed before belongings
        were (an archive older than them), once: cut off, it starts again next run."""
        after = 0
        while marked := await self._marked(None, after):
            bodies = [orjson.loads(row.body) for row in marked]
            self.keys_moved += await self.belongings.take_out(bodies, self.step)
            after = marked[-1].seq
        await self.belongings.mark_caught_up()

    async def _marked(self, batch: str | None, after: int) -> list[Any]:
        """The next `trim_step` events of the batch (None: of any) after archive number
        `after`."""
        archive = table_of(ArchivedEvent)
        of_batch = (
            archive.c.trimmed_by.is_not(None) if batch is None else (archive.c.trimmed_by == batch)
        )
        query = (
            sa_select(archive.c.seq, archive.c.position, archive.c.stream_id,
                      archive.c.event_id, archive.c.body)
            .where(archive.c.office == self.office, of_batch, archive.c.seq > after)
            .order_by(archive.c.seq)
            .limit(self.trim_step)
        )  # fmt: skip
        async with self.sessions() as session:
            connection = await session.connection()
            return list((await connection.execute(query)).all())

    async def _record(self, batch: TrimBatch) -> None:
        event = new_event(
            LogArchived(
                up_to=batch.up_to, events=batch.events, streams=batch.streams, digest=batch.digest
            ),
            stream_id=LOG_ARCHIVE_STREAM,
            actor=SYSTEM_ACTOR,
            office=self.office,
            event_id=uuid.UUID(batch.batch),
        )
        for _ in range(10):
            try:
                await self.log.append(
                    LOG_ARCHIVE_STREAM, [event], await self.log.version(LOG_ARCHIVE_STREAM)
                )
                return
            except ConcurrencyConflict:
                continue  # another office process recorded its own batch meanwhile
        raise CannotTrim("the log's archive record kept changing; run again")


def _older_bytes_of(candidate: Candidate, fields: Mapping[bytes, bytes]) -> bool:
    """Whether a Redis entry holds the archived event in the bytes an older schema version
    wrote (what `jasa audit verify` accepts as the log's own), all its fields as the log's."""
    if candidate.stored_event is not None or list(fields) != [TYPE_FIELD, EVENT_FIELD]:
        return False
    if fields[TYPE_FIELD] != candidate.type.encode():
        return False
    try:
        event = decode_entry(candidate.position, fields)
    except ValueError:
        return False
    return encode(event) == candidate.body.encode() and flaw_of(fields, event) is None
