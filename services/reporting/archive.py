"""The archive: every event of the office log, in log order, sealed by a hash chain and
signed checkpoints, written in the same transaction as the read models it feeds.

The consumer delivers at least once and, after a crash, possibly out of order; the
archive must not be. So the handler (`services.reporting.archivist`), given the event at
position P, archives nothing itself: if P is archived it returns; otherwise it reads the
log from the archive's head to its end and archives and projects each page of events in
one transaction (`seal_page`, then `write_page`). Replay (`jasa audit replay`) feeds
pages of the log to the same two.

The chain hashes each event as the log stores it, personal data sealed: erasing a
person's data (destroying their key) changes no hash. The read models are fed the event
revealed, live and in replay alike, so both read `[dihapus]` once the key is gone.

Each office has its own archive, chain and checkpoints (the office is part of every key),
kept by its own Archivist on its own log. The archive holds the log as it is; only the
events of the log's own office are projected."""

import functools
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson
from sqlalchemy import DateTime, UniqueConstraint, inspect, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.reporting.projections import PERSONAL_DATA_READ, project_all
from services.reporting.sealing import Sealer, chain
from shared.bulk import insert_rows
from shared.consumer import Reveal, as_stored
from shared.db import table_of
from shared.events import Envelope, decode_entry, encode
from shared.events.codec import EVENT_FIELD
from shared.log import EventLog
from shared.stores.archived import logged_bytes

log = logging.getLogger("jasa.reporting.archive")


class ArchivedEvent(SQLModel, table=True):
    """One event as the log held it when archived: its canonical bytes and chain hash."""

    __tablename__ = "reporting_archive"
    __table_args__ = (UniqueConstraint("office", "position"),)
    office: str = Field(primary_key=True, max_length=8)
    seq: int = Field(primary_key=True, description="1-based number in its office's log order")
    position: str = Field(max_length=40)
    event_id: str = Field(index=True, max_length=36)
    type: str = Field(max_length=40)
    stream_id: str = Field(default="", index=True, max_length=100)
    chain_hash: str = Field(max_length=64)
    body: str = Field(description="shared.events.encode(envelope), as UTF-8 text")
    stored_event: str | None = Field(
        default=None,
        description="the bytes the log stored for the event, where they are not `body` "
        "without its position (an older schema version): a trimmed entry reads back as it was",
    )
    trimmed_by: str | None = Field(
        default=None,
        index=True,
        max_length=36,
        description="the LogArchived event that took it out of Redis (services.reporting.trimming)",
    )


class TrimBatch(SQLModel, table=True):
    """One run's events trimmed from Redis: marked in the archive first, then recorded in
    the log (LogArchived, whose event id is `batch`), then trimmed, then done."""

    __tablename__ = "reporting_trim_batch"
    office: str = Field(primary_key=True, max_length=8)
    batch: str = Field(primary_key=True, max_length=36)
    up_to: str = Field(max_length=40)
    events: int
    streams: int
    digest: str = Field(max_length=64)
    marked_at: datetime
    done: bool = Field(default=False, index=True)


class ArchivedDataKey(SQLModel, table=True):
    """A finished dossier's (or letter's) data key, wrapped, moved out of Redis with its
    events by `jasa log archive` (shared.tiered_data_keys reads and writes it)."""

    __tablename__ = "reporting_data_key"
    office: str = Field(primary_key=True, max_length=8)
    dossier: str = Field(primary_key=True, max_length=36)
    wrapped: bytes
    moved_at: datetime = Field(sa_type=DateTime(timezone=True))


class Checkpoint(SQLModel, table=True):
    """A seal: the signed chain hash after `count` events, the last at `position`."""

    __tablename__ = "reporting_checkpoint"
    office: str = Field(primary_key=True, max_length=8)
    count: int = Field(primary_key=True)
    position: str = Field(max_length=40)
    chain_hash: str = Field(max_length=64)
    signature: str = Field(max_length=120)
    sealed_at: datetime


@dataclass(frozen=True, slots=True)
class ChainHead:
    count: int
    position: str
    chain_hash: str


EMPTY = ChainHead(0, "0-0", "")


async def chain_head(session: AsyncSession, office: str) -> ChainHead:
    query = (
        select(ArchivedEvent)
        .where(ArchivedEvent.office == office)
        .order_by(col(ArchivedEvent.seq).desc())
        .limit(1)
    )
    last = (await session.exec(query)).first()
    return ChainHead(last.seq, last.position, last.chain_hash) if last else EMPTY


async def is_archived(session: AsyncSession, office: str, position: str) -> bool:
    query = select(ArchivedEvent.seq).where(
        ArchivedEvent.office == office, ArchivedEvent.position == position
    )
    return (await session.exec(query)).first() is not None


@dataclass(frozen=True, slots=True)
class SealedPage:
    """A page of events made ready to write: archive rows chained on from the head before
    it, the office's own events revealed (with their numbers) and the checkpoints due."""

    rows: list[dict[str, object]]
    own: list[tuple[Envelope, int]]
    checkpoints: list["Checkpoint"]
    head: ChainHead


async def seal_page(
    office: str,
    events: Sequence[Envelope],
    head: ChainHead,
    sealer: Sealer | None = None,
    checkpoint_every: int = 1000,
    reveal: Reveal = as_stored,
    logged: Mapping[str, bytes] | None = None,
) -> SealedPage:
    """The archive rows, projected events and checkpoints of `events` as stored (the next
    ones of the office's log after `head`, in order). `logged`: the bytes each entry held
    (by position), kept where they are not the canonical ones. No database: the caller
    writes the page (`write_page`)."""
    rows: list[dict[str, object]] = []
    own: list[Envelope] = []
    numbers: list[int] = []
    checkpoints: list[Checkpoint] = []
    for event in events:
        assert event.position is not None, "only appended events are archived"
        body = encode(event)
        text = body.decode()
        head = ChainHead(head.count + 1, event.position, chain(head.chain_hash, body))
        stored = logged.get(event.position) if logged is not None else None
        if stored is not None and stored == logged_bytes(text, event.position):
            stored = None  # the canonical bytes give it back
        rows.append({
            "office": office, "seq": head.count, "position": head.position,
            "event_id": str(event.event_id), "type": event.type, "stream_id": event.stream_id,
            "chain_hash": head.chain_hash, "body": text,
            "stored_event": stored.decode() if stored is not None else None,
            "trimmed_by": None,
        })  # fmt: skip
        if event.office == office:  # another office's event here is for `verify`, not the cards
            own.append(event)
            numbers.append(head.count)
        if sealer is not None and head.count % checkpoint_every == 0:
            checkpoints.append(seal(sealer, head))
    # The page's personal data revealed at once: one read of the key store, not one per event.
    revealed = list(zip(await reveal(own), numbers, strict=True))
    return SealedPage(rows, revealed, checkpoints, head)


async def write_page(session: AsyncSession, office: str, page: SealedPage) -> ChainHead:
    """Archive and project a sealed page in the session's transaction; the new head."""
    if page.rows:
        # First: another process that archived these events already makes this fail at once.
        connection = await session.connection()
        await insert_rows(connection, table_of(ArchivedEvent), page.rows)
    session.add_all(page.checkpoints)
    await project_all(session, office, page.own)
    return page.head


def revealing_what_is_read(log: EventLog) -> Reveal:
    """How `seal_page` is to reveal a page for the read models, live and in replay alike:
    only the personal fields they hold (`PERSONAL_DATA_READ`), the rest left sealed."""
    return functools.partial(log.reveal_only, only=PERSONAL_DATA_READ)


def readable(page: Sequence[tuple[bytes, Mapping[bytes, bytes]]]) -> list[Envelope]:
    """The events of a page of the log as stored. An entry no code can read (undecodable,
    or of a type not in the catalogue) is not an event: the consumers dead-letter it, the
    archive leaves it out, and `jasa audit verify` names its position."""
    events = []
    for entry_id, fields in page:
        try:
            events.append(decode_entry(entry_id, fields))
        except ValueError as error:
            log.error(
                "log entry %s is not an event; not archived: %s", entry_position(entry_id), error
            )
    return events


def logged_events(page: Sequence[tuple[bytes, Mapping[bytes, bytes]]]) -> dict[str, bytes]:
    """The bytes each entry of a page holds its event in, by position."""
    return {entry_position(entry_id): fields.get(EVENT_FIELD, b"") for entry_id, fields in page}


def entry_position(entry_id: bytes | str) -> str:
    return entry_id.decode() if isinstance(entry_id, bytes) else entry_id


def seal(sealer: Sealer, head: ChainHead) -> Checkpoint:
    return Checkpoint(
        office=sealer.office,
        count=head.count,
        position=head.position,
        chain_hash=head.chain_hash,
        signature=sealer.sign(head.position, head.count, head.chain_hash),
        sealed_at=datetime.now(UTC),
    )


async def seal_head(session: AsyncSession, sealer: Sealer) -> Checkpoint | None:
    """A checkpoint at the chain's head, unless one is there already (e.g. at shutdown)."""
    head = await chain_head(session, sealer.office)
    if head.count == 0 or await session.get(Checkpoint, (sealer.office, head.count)) is not None:
        return None
    checkpoint = seal(sealer, head)
    session.add(checkpoint)
    await session.commit()
    return checkpoint


# The columns the archive gained for `jasa log archive`, as a database made before has them
# added (there are no migrations): name -> SQL type and default.
ADDED_COLUMNS = {
    "stream_id": "VARCHAR(100) NOT NULL DEFAULT ''",
    "stored_event": "TEXT",
    "trimmed_by": "VARCHAR(36)",
}


async def add_archive_columns(engine: AsyncEngine, page: int = 1000) -> int:
    """Give an archive made before `jasa log archive` its new columns and indexes, and each
    row its stream (read from its bytes); how many rows were given one. Repeatable."""
    async with engine.begin() as connection:
        present = await connection.run_sync(_archive_columns)
        for name, kind in ADDED_COLUMNS.items():
            if name not in present:
                await connection.execute(
                    text(f"ALTER TABLE {ArchivedEvent.__tablename__} ADD COLUMN {name} {kind}")
                )
        await connection.run_sync(_archive_indexes)
    archive, filled = table_of(ArchivedEvent), 0
    while True:
        async with engine.begin() as connection:
            rows = (
                await connection.execute(
                    select(archive.c.office, archive.c.seq, archive.c.body)
                    .where(archive.c.stream_id == "")
                    .limit(page)
                )
            ).all()
            for office, seq, body in rows:
                await connection.execute(
                    update(archive)
                    .where(archive.c.office == office, archive.c.seq == seq)
                    .values(stream_id=orjson.loads(body)["stream_id"])
                )
        filled += len(rows)
        if len(rows) < page:
            return filled


def _archive_columns(connection: Connection) -> set[str]:
    return {column["name"] for column in inspect(connection).get_columns("reporting_archive")}


def _archive_indexes(connection: Connection) -> None:
    for index in table_of(ArchivedEvent).indexes:
        index.create(connection, checkfirst=True)
