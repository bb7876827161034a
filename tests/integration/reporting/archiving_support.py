"""An office whose finished past is old enough to leave Redis, archived by the reporting
service's archivist and sealed by its checkpoints; and the log as a reader sees it."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from services.reporting.archive import seal_head
from services.reporting.replay import Difference, differences, live_head, rebuild
from services.reporting.sealing import Sealer
from services.reporting.trimming import ArchiveRun, archive_log
from services.reporting.verification import verify
from shared.db import create_tables, make_engine, session_factory
from shared.keys import Keys
from shared.log import EventLog
from shared.stores.tiered import ARCHIVE_READ, tiered_store
from tests.integration.reporting.conftest import CHECKPOINT_EVERY, Reporting
from tests.sop_history import Office

LONG_AGO = datetime.now(UTC) - timedelta(days=200)
RawLog = list[tuple[bytes, dict[bytes, bytes]]]


@dataclass
class History:
    """Who is finished and who is not, in an office whose past is long ago."""

    delivered: uuid.UUID
    received_back: uuid.UUID
    with_courier: uuid.UUID  # recapped with the first two, still out: its recap stays
    registered_lately: uuid.UUID


async def an_office_with_a_finished_past(office: Office) -> History:
    """Three dossiers recapped together 200 days ago: one delivered, one returned and
    received back, one still with the courier; two delivered on their own recap; and a
    registration of today."""
    office.clock = LONG_AGO
    dossiers = [await office.register() for _ in range(3)]
    recap = await office.recap(dossiers)
    letter = await office.draft(recap)
    await office.sign(letter)
    await office.accept(letter)
    await office.deliver(dossiers[0], letter)
    await office.return_(dossiers[1], letter)
    await office.receive_back(dossiers[1], letter)
    alone = [await office.register(), await office.register()]
    recap = await office.recap(alone)
    letter = await office.draft(recap)
    await office.reject(letter)
    letter = await office.draft(recap)
    await office.sign(letter)
    await office.accept(letter)
    for dossier in alone:
        await office.deliver(dossier, letter)
    office.clock = datetime.now(UTC)
    lately = await office.register()
    return History(dossiers[0], dossiers[1], dossiers[2], lately)


def tiered_log(
    redis: Redis, keys: Keys, reporting: Reporting, archive_read: int = ARCHIVE_READ
) -> EventLog:
    return EventLog(tiered_store(redis, keys, reporting.engine, archive_read=archive_read), keys)


async def archived_and_sealed(reporting: Reporting, office: Office) -> None:
    """The archivist has every event, and the head is sealed (as at shutdown)."""
    await reporting.handle_all(office)
    async with reporting.sessions() as session:
        await seal_head(session, reporting.sealer)


async def a_trimmed_past(
    redis: Redis, keys: Keys, office: Office, reporting: Reporting
) -> tuple[EventLog, ArchiveRun]:
    """An office whose finished past was archived, sealed and trimmed by one
    `jasa log archive` run: its log read through both tiers, and the run."""
    await an_office_with_a_finished_past(office)
    await archived_and_sealed(reporting, office)
    log = tiered_log(redis, keys, reporting)
    return log, await archive_log(log, reporting.sessions, reporting.sealer.public_key)


async def whole_log(log: EventLog) -> RawLog:
    """The log as a reader reads it, page by page, but for the runs' own LogArchived records."""
    read = [entry async for page in log.raw_pages(limit=7) for entry in page]
    return [(position, fields) for position, fields in read if fields[b"type"] != b"LogArchived"]


async def redis_positions(redis: Redis, keys: Keys) -> list[str]:
    return [entry_id.decode() for entry_id, _ in await redis.xrange(keys.log)]


async def verdict(log: EventLog, engine: AsyncEngine, sealer: Sealer) -> tuple[bool, str | None]:
    """`jasa audit verify`'s verdict: intact or not, and the first bad position."""
    found = await verify(log, session_factory(engine), sealer.public_key, CHECKPOINT_EVERY)
    return found.ok, found.first_bad_position


async def replayed(
    log: EventLog, reporting: Reporting, folder: Path
) -> tuple[int, list[Difference]]:
    """`jasa audit replay` of `log` into a fresh database: the events it rebuilt from, and
    how the rebuilt projections differ from the live ones."""
    office = log.keys.office
    fresh = make_engine(f"sqlite+aiosqlite:///{folder / 'replay.db'}")
    try:
        await create_tables(fresh)
        head = await live_head(reporting.sessions, office)  # as `jasa audit replay` does
        rebuilt = await rebuild(log, session_factory(fresh), until=head.position)
        found = [d async for d in differences(reporting.engine, fresh, office=office)]
    finally:
        await fresh.dispose()
    return rebuilt.events, found
