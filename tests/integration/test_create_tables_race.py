"""Processes that start at once on a fresh database (`jasa serve --workers`, `jasa up`) all
create its tables: the one that loses the race looks again instead of failing its start-up
(uvicorn stops every worker when one fails to start: a lost race took the server down)."""

import asyncio
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import inspect

from shared.db import make_engine

RACER = """
import asyncio, sys, time
import services.intake.main, services.approval.main, services.courier.main, services.reporting.main
from sqlmodel import SQLModel
from shared.db import create_tables, make_engine

async def main(url: str, start: float) -> None:
    # Asleep, not spinning, until the start: on two cores, spinning racers would starve the
    # ones still importing.
    time.sleep(max(0.0, start - time.time()))
    engine = make_engine(url)
    try:
        await create_tables(engine)
    finally:
        await engine.dispose()
    print(" ".join(SQLModel.metadata.tables))  # what it was to create

asyncio.run(main(sys.argv[1], float(sys.argv[2])))
"""


def race(url: str, racers: int = 4) -> list[subprocess.CompletedProcess[str]]:
    start = str(time.time() + 1.5)  # every racer imported and waiting by then
    started = [
        subprocess.Popen(
            [sys.executable, "-c", RACER, url, start],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(racers)
    ]
    return [subprocess.CompletedProcess(p.args, p.wait(180), *p.communicate()) for p in started]


async def tables_of(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            return set(await connection.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await engine.dispose()


async def all_create_the_tables(url: str) -> None:
    finished = await asyncio.to_thread(race, url)
    assert [p.returncode for p in finished] == [0] * len(finished), [
        p.stderr[-300:] for p in finished
    ]
    wanted = {table for p in finished for table in p.stdout.split()}
    assert "intake_dossier" in wanted and "reporting_archive" in wanted
    assert wanted <= await tables_of(url)


async def test_processes_starting_at_once_on_a_fresh_sqlite_file_all_start(
    tmp_path: Path,
) -> None:
    for round_ in range(3):  # losing the race is a matter of timing: three fresh files
        await all_create_the_tables(f"sqlite+aiosqlite:///{tmp_path / f'fresh-{round_}.db'}")


async def test_processes_starting_at_once_on_a_fresh_postgres_database_all_start(
    postgres_url: str,
) -> None:
    await all_create_the_tables(postgres_url)
