"""The database replay rebuilds into by itself is a scratch file (`make_engine(...,
scratch=True)`), and the audit commands collect garbage as a batch does
(`batch_collections`)."""

import gc
from pathlib import Path

import pytest

import services.reporting.archive  # noqa: F401  (its tables)
from services.cli.audit import reporting_failures
from shared.db import create_tables, make_engine
from shared.heap import batch_collections


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

    assert reporting_failures(command) == 50_000
    assert gc.get_threshold() == before


def test_batch_collections_are_undone_when_the_batch_fails() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), batch_collections(young=20_000):
        assert gc.get_threshold() == (20_000, *before[1:])
        raise RuntimeError("the log cannot be read")
    assert gc.get_threshold() == before
