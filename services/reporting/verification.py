"""`jasa audit verify`: is the office log still what the archive saw, and is the archive
still what the checkpoints sealed?

Three things are checked, walking the live log and the archive side by side in pages:
- every checkpoint's signature, with the auditor's public key;
- the archive's own chain: each row's hash recomputed from the previous one and its bytes,
  and the chain compared with each checkpoint at its count (a rewritten archive);
- the live log against the archive, entry by entry: the first position where they part
  is named, with what happened there (changed, removed, inserted or reordered). Every byte
  of an entry counts: the archive holds its event, and the entry's other fields, and the
  bytes its event is written in, must be what the log writes for that event.
Live events after the archive's end are not yet archived: counted, not blamed.
An archived event that `jasa log archive` took out of Redis (its row marked `trimmed_by` a
batch) is not looked for in Redis: its bytes are checked by the chain and the checkpoints
like every row's, and the batch must be recorded in the log by its LogArchived event, which
names how many events it marked and a digest of their positions. An event gone from Redis
whose batch the log does not record so was removed, not archived.
One office at a time: the office of the log given, its archive and its checkpoints."""

import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import NamedTuple

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select as sa_select
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.reporting.archive import ArchivedEvent, Checkpoint
from services.reporting.entry_flaws import flaw_of
from services.reporting.queries import VerificationPublic
from services.reporting.sealing import chain, signature_holds
from shared.db import table_of
from shared.events import LogArchived, decode_entry, encode
from shared.log import EventLog
from shared.store import position_key
from shared.stores.tiered import TieredEventStore


class ArchivedRow(NamedTuple):
    """What verifying reads of an archived event (a row read as a tuple, not an ORM object:
    verify reads every row of the archive)."""

    seq: int
    position: str
    event_id: str
    type: str
    chain_hash: str
    body: str
    trimmed_by: str | None


ARCHIVE = table_of(ArchivedEvent)
ARCHIVED_ROW = tuple(ARCHIVE.c[name] for name in ArchivedRow._fields)


@dataclass(frozen=True, slots=True)
class LiveEntry:
    position: str
    canonical: bytes | None  # None: the entry no longer reads as an event
    event_id: str | None
    flaw: str | None = None  # how the entry differs from what the log writes for its event


@dataclass
class TrimmedBatch:
    """What the archive says one batch of `jasa log archive` marked, as verify walks it."""

    positions: list[str] = field(default_factory=list)
    gone: str | None = None  # the first of them no longer in Redis

    def digest(self) -> str:
        return trim_digest(self.positions)


def trim_digest(positions: list[str]) -> str:
    """The digest a LogArchived event records of the positions it trimmed, in log order."""
    return hashlib.sha256("\n".join(positions).encode()).hexdigest()


class Finding(Exception):
    """The first thing found wrong; ends the walk."""

    def __init__(self, kind: str, position: str, problem: str) -> None:
        super().__init__(problem)
        self.kind, self.position, self.problem = kind, position, problem


async def verify(
    log: EventLog,
    sessions: async_sessionmaker[AsyncSession],
    public_key: Ed25519PublicKey,
    checkpoint_every: int | None = None,
    page_size: int = 1000,
) -> VerificationPublic:
    walk = _Walk(log, sessions, public_key, checkpoint_every, page_size)
    try:
        await walk.run()
    except Finding as finding:
        return VerificationPublic(
            ok=False,
            events_checked=walk.checked,
            first_bad_position=finding.position,
            problem=finding.problem,
            kind=finding.kind,
        )
    return VerificationPublic(
        ok=True,
        events_checked=walk.checked,
        first_bad_position=None,
        problem=None,
        not_yet_archived=walk.unarchived,
    )


class _Walk:
    def __init__(
        self,
        log: EventLog,
        sessions: async_sessionmaker[AsyncSession],
        public_key: Ed25519PublicKey,
        checkpoint_every: int | None,
        page_size: int,
    ) -> None:
        self.log, self.sessions, self.public_key = log, sessions, public_key
        self.checkpoint_every, self.page_size = checkpoint_every, page_size
        self.office = log.keys.office
        # The live log is Redis's: what was trimmed from it is checked against the archive.
        store = log.store
        self.hot = EventLog(store.hot, log.keys) if isinstance(store, TieredEventStore) else log
        self.checked = 0
        self.unarchived = 0
        self.batches: dict[str, TrimmedBatch] = {}
        self.records: dict[str, LogArchived] = {}  # the LogArchived events, by event id

    async def run(self) -> None:
        checkpoints = await self._checked_checkpoints()
        live = aiter(self._live())
        entry = await anext(live, None)
        chain_hash = ""
        count = 0
        async for row in self._archive():
            count += 1
            chain_hash = chain(chain_hash, row.body.encode())
            if row.seq != count or row.chain_hash != chain_hash:
                raise Finding(
                    "archive_modified",
                    row.position,
                    f"archived event {row.seq} at {row.position} does not match its chain hash: "
                    "the reporting database was changed",
                )
            sealed = checkpoints.get(count)
            if sealed is not None and (sealed.chain_hash, sealed.position) != (
                chain_hash,
                row.position,
            ):
                raise Finding(
                    "checkpoint_mismatch",
                    row.position,
                    f"the archive up to {row.position} no longer matches the checkpoint signed "
                    f"over its first {count} events: the reporting database was rewritten",
                )
            if row.trimmed_by is not None:
                batch = self.batches.setdefault(row.trimmed_by, TrimmedBatch())
                batch.positions.append(row.position)
                if entry is None or position_key(entry.position) > position_key(row.position):
                    batch.gone = batch.gone or row.position
                    self.checked += 1
                    continue  # trimmed from Redis: the chain has checked its bytes
            await self._compare(entry, row)
            self.checked += 1
            entry = await anext(live, None)
        await self._check_sealed(checkpoints, count)
        while entry is not None:
            self.unarchived += 1
            entry = await anext(live, None)
        self._check_trimmed()

    def _check_trimmed(self) -> None:
        for batch_id, batch in self.batches.items():
            if batch.gone is None:
                continue  # marked, not yet trimmed: every event of it was compared
            record = self.records.get(batch_id)
            if record is None:
                raise Finding(
                    "removed",
                    batch.gone,
                    f"event {batch.gone} is gone from the log, and no LogArchived event records "
                    "that it was archived and trimmed",
                )
            if (record.events, record.digest) != (len(batch.positions), batch.digest()):
                raise Finding(
                    "removed",
                    batch.gone,
                    f"event {batch.gone} is gone from the log, and the events marked trimmed "
                    f"with it are not those LogArchived {batch_id} records",
                )

    async def _checked_checkpoints(self) -> dict[int, Checkpoint]:
        async with self.sessions() as session:
            query = (
                select(Checkpoint)
                .where(Checkpoint.office == self.office)
                .order_by(col(Checkpoint.count))
            )
            checkpoints = list((await session.exec(query)).all())
        for sealed in checkpoints:
            if not signature_holds(
                self.public_key,
                self.office,
                sealed.position,
                sealed.count,
                sealed.chain_hash,
                sealed.signature,
            ):
                raise Finding(
                    "checkpoint_forged",
                    sealed.position,
                    f"the checkpoint over the first {sealed.count} events (up to "
                    f"{sealed.position}) carries a signature the public key does not accept",
                )
        return {sealed.count: sealed for sealed in checkpoints}

    async def _check_sealed(self, checkpoints: dict[int, Checkpoint], count: int) -> None:
        beyond = [sealed for sealed in checkpoints.values() if sealed.count > count]
        if beyond:
            raise Finding(
                "archive_modified",
                beyond[0].position,
                f"a checkpoint seals {beyond[0].count} events but the archive holds {count}: "
                "archived events were deleted",
            )
        if not self.checkpoint_every or count < self.checkpoint_every:
            return
        due = count - count % self.checkpoint_every
        if not any(sealed.count >= due for sealed in checkpoints.values()):
            async with self.sessions() as session:
                row = await session.get(ArchivedEvent, (self.office, due))
            raise Finding(
                "checkpoint_missing",
                row.position if row else f"event {due}",
                f"the archive holds {count} events but no checkpoint seals the first {due}: "
                "a checkpoint was removed",
            )

    async def _compare(self, entry: LiveEntry | None, row: ArchivedRow) -> None:
        if entry is None:
            raise Finding(
                "removed",
                row.position,
                f"event {row.position} ({row.type}) is archived but gone from the log, "
                "which now ends before it",
            )
        here, there = position_key(entry.position), position_key(row.position)
        if here == there:
            if entry.canonical == row.body.encode() and entry.flaw is None:
                return
            if entry.canonical == row.body.encode():
                raise Finding(
                    "changed",
                    row.position,
                    f"the entry of event {row.position} ({row.type}) {entry.flaw}",
                )
            if entry.canonical is None:
                raise Finding(
                    "changed",
                    row.position,
                    f"the entry at {row.position} no longer reads as an event",
                )
            if entry.event_id != row.event_id and await self._archived_elsewhere(entry, row):
                raise Finding(
                    "reordered",
                    row.position,
                    f"the log holds at {row.position} the event archived at another position: "
                    "events were swapped or moved",
                )
            raise Finding(
                "changed",
                row.position,
                f"event {row.position} ({row.type}) differs from what was archived",
            )
        if here < there:
            if await self._archived_elsewhere(entry, row):
                raise Finding(
                    "reordered",
                    entry.position,
                    f"the log holds at {entry.position} an event archived at another position",
                )
            raise Finding(
                "inserted",
                entry.position,
                f"the log holds an event at {entry.position} that was never archived, "
                f"before archived event {row.position}: it was inserted afterwards",
            )
        raise Finding(
            "removed",
            row.position,
            f"event {row.position} ({row.type}) is archived but no longer in the log",
        )

    async def _archived_elsewhere(self, entry: LiveEntry, row: ArchivedRow) -> bool:
        if entry.event_id is None:
            return False
        async with self.sessions() as session:
            query = select(ArchivedEvent.position).where(
                ArchivedEvent.office == self.office, ArchivedEvent.event_id == entry.event_id
            )
            positions = set((await session.exec(query)).all())
        return bool(positions - {entry.position})

    async def _archive(self) -> AsyncIterator[ArchivedRow]:
        after = 0
        while True:
            query = (
                sa_select(*ARCHIVED_ROW)
                .where(ARCHIVE.c.office == self.office, ARCHIVE.c.seq > after)
                .order_by(ARCHIVE.c.seq)
                .limit(self.page_size)
            )
            async with self.sessions() as session:
                connection = await session.connection()
                rows = [ArchivedRow(*row) for row in await connection.execute(query)]
            if not rows:
                return
            for row in rows:
                yield row
            after = rows[-1].seq

    async def _live(self) -> AsyncIterator[LiveEntry]:
        async for page in self.hot.raw_pages(limit=self.page_size):
            for entry_id, fields in page:
                position = entry_id.decode()
                try:
                    event = decode_entry(entry_id, fields)
                except Exception:  # whatever is there, it is not the event that was archived
                    yield LiveEntry(position, None, None)
                    continue
                if isinstance(event.data, LogArchived):
                    self.records[str(event.event_id)] = event.data
                yield LiveEntry(
                    position, encode(event), str(event.event_id), flaw_of(fields, event)
                )
