"""Replay seals the next pages while the caller writes this one (`ahead`), the database
it rebuilds into by itself is a scratch file (`make_engine(..., scratch=True)`), and the
audit commands collect garbage as a batch does (`batch_collections`)."""

import asyncio
import contextlib
import gc
from collections.abc import AsyncGenerator
from pathlib import Path

import pytest

import services.reporting.archive  # noqa: F401  (its tables)
from services.cli.audit import _reporting_failures
from services.reporting.replay import ahead
from shared.db import create_tables, make_engine
from shared.service import batch_collections


class Source:
    """Pages 1..count, made on demand; it fails after `fail_after` pages when given."""

    def __init__(self, count: int, fail_after: int | None = None) -> None:
        self.count, self.fail_after = count, fail_after
        self.made: list[int] = []
        self.closed = False

    async def pages(self) -> AsyncGenerator[int, None]:
        try:
            for page in range(1, self.count + 1):
                if page - 1 == self.fail_after:
                    raise RuntimeError(f"page {page} cannot be read")
                self.made.append(page)
                yield page
        finally:
            self.closed = True


async def test_pages_come_in_order_and_the_next_ones_are_made_while_the_caller_waits() -> None:
    source = Source(6)
    seen = []
    made_while_writing = []
    async with contextlib.aclosing(ahead(source.pages(), depth=2)) as pages:
        async for page in pages:
            await asyncio.sleep(0.01)  # the caller "writes" the page
            made_while_writing.append(len(source.made) - page)
            seen.append(page)
    assert seen == [1, 2, 3, 4, 5, 6]
    # while a page is written, the two after it wait in line and a third is made already
    assert made_while_writing == [3, 3, 3, 2, 1, 0]
    assert source.closed


async def test_an_error_of_the_source_comes_after_the_pages_made_before_it() -> None:
    source = Source(6, fail_after=2)
    seen = []
    with pytest.raises(RuntimeError, match="page 3 cannot be read"):
        async for page in ahead(source.pages()):
            seen.append(page)
    assert seen == [1, 2]


async def test_a_caller_that_stops_early_stops_the_source_too() -> None:
    source = Source(1000)
    async with contextlib.aclosing(ahead(source.pages(), depth=2)) as pages:
        async for page in pages:
            if page == 3:
                break
    assert source.closed
    assert len(source.made) <= 6  # it did not read the whole log in the background
    await asyncio.sleep(0.01)
    assert len(source.made) <= 6


async def test_a_failing_caller_stops_the_source(tmp_path: Path) -> None:
    source = Source(1000)
    with pytest.raises(ValueError):
        async with contextlib.aclosing(ahead(source.pages())) as pages:
            async for page in pages:
                if page == 2:
                    raise ValueError("the database refused the page")
    assert source.closed


@pytest.mark.parametrize(("scratch", "journal"), [(True, "off"), (False, "wal")])
async def test_only_a_scratch_database_goes_without_a_journal(
    tmp_path: Path, scratch: bool, journal: str
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'replay.db'}", scratch=scratch)
    try:
        async with engine.connect() as connection:
            found = (await connection.exec_driver_sql("PRAGMA journal_mode")).scalar()
    finally:
        await engine.dispose()
    assert found == journal


async def test_a_database_made_without_indexes_keeps_its_keys_and_unique_constraints(
    tmp_path: Path,
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'replay.db'}", scratch=True)
    try:
        await create_tables(engine, indexes=False)
        async with engine.connect() as connection:
            made = await connection.exec_driver_sql(
                "SELECT name FROM sqlite_master"
                " WHERE type = 'index' AND tbl_name = 'reporting_archive'"
            )
            names = sorted(name for (name,) in made)
    finally:
        await engine.dispose()
    # the primary key and UNIQUE (office, position) only: not the index on event_id
    assert names == ["sqlite_autoindex_reporting_archive_1", "sqlite_autoindex_reporting_archive_2"]


def test_an_audit_command_runs_with_batch_collections_and_leaves_them_as_they_were() -> None:
    before = gc.get_threshold()

    async def command() -> int:
        return gc.get_threshold()[0]

    assert _reporting_failures(command) == 50_000
    assert gc.get_threshold() == before


def test_batch_collections_are_undone_when_the_batch_fails() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), batch_collections(young=20_000):
        assert gc.get_threshold() == (20_000, *before[1:])
        raise RuntimeError("the log cannot be read")
    assert gc.get_threshold() == before
