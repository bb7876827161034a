"""Two reporting processes on one office (a second replica, or one restarted beside the
old): each archivist keeps the chain's head in memory, and the one whose head is stale
loses on the archive's unique keys, reads the head again and goes on. Nothing doubled,
nothing lost, the cards as one archivist alone would have made them."""

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from services.reporting.archive import ArchivedEvent
from services.reporting.archivist import Archivist
from services.reporting.projections import ReportingStep
from services.reporting.replay import differences, rebuild
from shared.db import create_tables, make_engine, session_factory
from shared.log import EventLog
from tests.integration.reporting.test_postgres import a_fresh_database
from tests.sop_history import Office


@pytest.fixture(params=["sqlite", "postgresql"])
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    async with contextlib.AsyncExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite+aiosqlite:///{tmp_path / 'live.db'}"
        else:
            url = await stack.enter_async_context(a_fresh_database())
        engine = make_engine(url)
        await create_tables(engine)
        yield engine
        await engine.dispose()


def another_process(log: EventLog, engine: AsyncEngine, page_size: int = 3) -> Archivist:
    """An archivist with its own memory and its own connections to the same database."""
    return Archivist(log, session_factory(engine), None, page_size=page_size)


async def archived_positions(engine: AsyncEngine) -> list[str]:
    query = select(ArchivedEvent.position).order_by(ArchivedEvent.seq)  # type: ignore[arg-type]
    async with engine.connect() as connection:
        return [row[0] for row in await connection.execute(query)]


async def as_replayed(live: AsyncEngine, log: EventLog, scratch: Path) -> list[str]:
    fresh = make_engine(f"sqlite+aiosqlite:///{scratch / f'replay-{uuid.uuid4().hex}.db'}")
    try:
        await create_tables(fresh)
        await rebuild(log, session_factory(fresh))
        return [str(d) async for d in differences(live, fresh)]
    finally:
        await fresh.dispose()


async def a_working_day(office: Office, files: int) -> None:
    registered = [await office.register() for _ in range(files)]
    letter = await office.draft(await office.recap(registered))
    await office.sign(letter)
    await office.accept(letter)
    for dossier in registered:
        await office.deliver(dossier, letter)


async def test_an_archivist_whose_head_is_stale_goes_on_from_the_other_ones_head(
    event_log: EventLog, database: AsyncEngine, tmp_path: Path
) -> None:
    office = Office(event_log)
    first, second = another_process(event_log, database), another_process(event_log, database)
    await office.register()
    await first(office.appended[-1])  # `first` knows the head: one event
    await a_working_day(office, 4)
    await second(office.appended[-1])  # `second` archives the rest, behind first's back
    await office.register()
    await first(office.appended[-1])  # from its stale head, onto rows already there

    positions = [event.position for event in office.appended]
    assert await archived_positions(database) == positions
    assert await as_replayed(database, event_log, tmp_path) == []


async def test_two_archivists_handed_the_same_events_at_once_archive_each_once(
    event_log: EventLog, database: AsyncEngine, tmp_path: Path
) -> None:
    office = Office(event_log)
    first, second = another_process(event_log, database), another_process(event_log, database)
    for _ in range(3):
        await a_working_day(office, 5)
        events = office.appended
        # The consumer group hands each event to one of them; after a crash both get some.
        await asyncio.gather(
            *(first(event) for event in events[::2]), *(second(event) for event in events[1::2])
        )

    positions = [event.position for event in office.appended]
    assert await archived_positions(database) == positions
    async with database.connect() as connection:
        step_count = await connection.scalar(select(func.count()).select_from(ReportingStep))
    # Six lines a file a day: registered, recapped, drafted, signed, handed over, delivered.
    assert step_count == 3 * 5 * 6
    assert await as_replayed(database, event_log, tmp_path) == []


async def test_an_archivist_restarted_after_its_predecessor_archived_part_goes_on(
    event_log: EventLog, database: AsyncEngine, tmp_path: Path
) -> None:
    office = Office(event_log)
    await a_working_day(office, 3)
    await another_process(event_log, database)(office.appended[4])
    await a_working_day(office, 2)
    restarted = another_process(event_log, database)
    for event in office.appended:  # the pending ones redelivered, then the new ones
        await restarted(event)

    positions = [event.position for event in office.appended]
    assert await archived_positions(database) == positions
    assert await as_replayed(database, event_log, tmp_path) == []
