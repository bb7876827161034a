"""Archiving while the reporting service runs and the office writes: its schedule trims the
finished past as events keep coming, and nothing is lost or doubled in its projections."""

import asyncio

import pytest
from redis.asyncio import Redis
from sqlalchemy import func
from sqlmodel import select

from services.reporting.archive import ArchivedEvent, seal_head
from services.reporting.config import ReportingSettings
from services.reporting.main import create_app
from services.reporting.replay import differences, live_head, rebuild
from services.reporting.run_lock import ArchivingBusy
from services.reporting.sealing import Sealer, load_or_create_signing_key
from services.reporting.trimming import archive_log
from shared.db import create_tables, make_engine, session_factory
from shared.keys import Keys
from shared.log import EventLog
from tests.conftest import running
from tests.integration.reporting.archiving_support import (
    an_office_with_a_finished_past,
    redis_positions,
    verdict,
    whole_log,
)
from tests.polling import wait_until
from tests.sop_history import Office


async def test_archiving_while_the_service_runs_and_the_office_writes_loses_and_doubles_nothing(
    redis: Redis,
    keys: Keys,
    event_log: EventLog,
    service_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.setenv("JASA_CHECKPOINT_EVERY", "4")
    monkeypatch.setenv("JASA_ARCHIVE_EVERY", "0.2")
    app = create_app()
    office = Office(event_log)
    async with running(app):
        context = app.state.context
        log = context.log
        for _ in range(8):  # the schedule runs between and during these
            await an_office_with_a_finished_past(office)
            await asyncio.sleep(0.3)
        await wait_until(lambda: _archived(context.sessions, keys.office, len(office.appended)))
        trimmed_meanwhile = len(office.appended) - len(await redis_positions(redis, keys))
        async with context.sessions() as session:
            await seal_head(session, app.state.signing.sealer(keys.office))
        settings = ReportingSettings()
        key = load_or_create_signing_key(settings).public_key()
        for _ in range(100):  # the schedule may be in the middle of its own run: wait for it
            try:
                await archive_log(log, context.sessions, key)
                break
            except ArchivingBusy:
                await asyncio.sleep(0.1)
        else:
            raise AssertionError("the scheduled run never let go of the office's log")
        read = await whole_log(log)
        head = await live_head(context.sessions, keys.office)
        fresh = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'replay.db'}")
        try:
            await create_tables(fresh)
            rebuilt = await rebuild(log, session_factory(fresh), until=head.position)
            found = [d async for d in differences(context.engine, fresh, office=keys.office)]
        finally:
            await fresh.dispose()
        sealer = Sealer(load_or_create_signing_key(settings), keys.office)
        intact = await verdict(log, context.engine, sealer)

    assert trimmed_meanwhile > 0  # the schedule trimmed while events kept coming
    assert [position.decode() for position, _ in read] == [e.position for e in office.appended]
    assert rebuilt.events == head.count
    assert found == []
    assert intact == (True, None)


async def _archived(sessions, office: str, count: int) -> bool:  # type: ignore[no-untyped-def]
    async with sessions() as session:
        query = select(func.count()).where(
            ArchivedEvent.office == office, ArchivedEvent.type != "LogArchived"
        )
        return int((await session.exec(query)).one()) >= count
