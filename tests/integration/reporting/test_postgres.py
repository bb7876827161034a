"""The live projections on PostgreSQL, replayed into SQLite: the same rows, compared
across the two databases (times, floats and sort order alike)."""

import contextlib
import os
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from services.reporting.archivist import Archivist
from services.reporting.replay import differences, rebuild
from shared.db import create_tables, make_engine, session_factory
from shared.log import EventLog
from tests.sop_history import Office

SERVER = os.environ.get("JASA_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


@contextlib.asynccontextmanager
async def a_fresh_database() -> AsyncIterator[str]:
    name = f"reporting_{uuid.uuid4().hex[:12]}"
    try:
        admin = await asyncpg.connect(SERVER, timeout=3)
    except (OSError, asyncpg.PostgresError) as error:
        pytest.skip(f"no PostgreSQL at {SERVER}: {error}")
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield SERVER.rsplit("/", 1)[0] + f"/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def test_live_on_postgresql_and_replay_on_sqlite_hold_the_same_rows(
    event_log: EventLog, tmp_path: object
) -> None:
    office = Office(event_log)
    kept = await office.register()
    returned = await office.register(name="Joko Susilo")
    flagged = await office.register()
    await office.flag(flagged)
    recap = await office.recap([kept, returned])
    await office.reject(await office.draft(recap))
    letter = await office.draft(recap)
    await office.sign(letter)
    await office.accept(letter)
    await office.deliver(kept, letter)
    await office.return_(returned, letter)
    await office.receive_back(returned, letter)
    async with a_fresh_database() as url:
        live = make_engine(url)
        fresh = make_engine(f"sqlite+aiosqlite:///{tmp_path}/replay.db")
        try:
            await create_tables(live)
            archivist = Archivist(event_log, session_factory(live), sealer=None, page_size=4)
            for event in reversed(office.appended):  # newest first: all archived in order
                await archivist(event)
            await create_tables(fresh)
            await rebuild(event_log, session_factory(fresh))
            found = [str(d) async for d in differences(live, fresh)]
        finally:
            await live.dispose()
            await fresh.dispose()
    assert found == []
