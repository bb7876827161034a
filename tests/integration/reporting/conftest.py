"""The reporting service's pieces on a real Redis and a real SQLite file: the archivist
(its projection handler), its database, and the `jasa` command line in a thread."""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from click.testing import Result
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession
from typer.testing import CliRunner

from services.cli import app as jasa
from services.reporting.archivist import Archivist
from services.reporting.config import ReportingSettings
from services.reporting.sealing import Sealer, load_or_create_signing_key
from shared.db import create_tables, make_engine, session_factory
from shared.log import EventLog
from tests.sop_history import Office

CHECKPOINT_EVERY = 4


@dataclass
class Reporting:
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    archivist: Archivist
    sealer: Sealer

    async def handle_all(self, office: Office) -> None:
        """What the consumer does: the handler called for each event of the log."""
        for event in office.appended:
            await self.archivist(event)


@pytest.fixture
async def reporting(
    service_env: dict[str, str], event_log: EventLog, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Reporting]:
    monkeypatch.setenv("JASA_CHECKPOINT_EVERY", str(CHECKPOINT_EVERY))
    settings = ReportingSettings()
    engine = make_engine(settings.resolved_database_url())
    await create_tables(engine)
    sessions = session_factory(engine)
    sealer = Sealer(load_or_create_signing_key(settings), "1471")
    archivist = Archivist(event_log, sessions, sealer, CHECKPOINT_EVERY, page_size=3)
    yield Reporting(engine, sessions, archivist, sealer)
    await engine.dispose()


@pytest.fixture
def office(event_log: EventLog) -> Office:
    return Office(event_log)


async def run_jasa(*args: str) -> Result:
    """`jasa ARGS...` in a thread of its own (it runs its own event loop)."""
    return await asyncio.to_thread(CliRunner().invoke, jasa, list(args))
