"""`jasa audit replay`'s comparison over tables longer than one step of rows: each
difference is found wherever it falls, and the rows are read a step at a time, not one
greenlet a row (on Python 3.11 each greenlet maps and unmaps a frame stack)."""

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import greenlet
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from services.reporting.archive import ArchivedEvent
from services.reporting.replay import ROWS_A_STEP, differences
from shared.bulk import insert_rows
from shared.db import create_tables, make_engine, table_of

ROWS = 2 * ROWS_A_STEP + 500
DIFFERS = ROWS_A_STEP + 1  # the first row of the second step
ONLY_LIVE = 2 * ROWS_A_STEP  # the last row of the second step
ONLY_REPLAY = ROWS  # the very last row


def archived(seq: int, body: str = "{}") -> dict[str, Any]:
    return {
        "office": "1471",
        "seq": seq,
        "position": f"{1_700_000_000_000 + seq}-0",
        "event_id": str(uuid.UUID(int=seq)),
        "type": "DocumentRegistered",
        "chain_hash": f"{seq:064x}",
        "body": body,
    }


async def database(path: Path, rows: list[dict[str, Any]]) -> AsyncEngine:
    engine = make_engine(f"sqlite+aiosqlite:///{path}")
    await create_tables(engine)
    async with engine.begin() as connection:
        await insert_rows(connection, table_of(ArchivedEvent), rows)
    return engine


@pytest.fixture
async def live_and_rebuilt(tmp_path: Path) -> AsyncIterator[tuple[AsyncEngine, AsyncEngine]]:
    live = await database(
        tmp_path / "live.db", [archived(n) for n in range(1, ROWS + 1) if n != ONLY_REPLAY]
    )
    rebuilt = await database(
        tmp_path / "rebuilt.db",
        [
            archived(n, '{"changed": true}' if n == DIFFERS else "{}")
            for n in range(1, ROWS + 1)
            if n != ONLY_LIVE
        ],
    )
    yield live, rebuilt
    await live.dispose()
    await rebuilt.dispose()


async def test_every_difference_is_found_across_steps_of_rows_read_a_step_at_a_time(
    live_and_rebuilt: tuple[AsyncEngine, AsyncEngine],
) -> None:
    live, rebuilt = live_and_rebuilt
    switches = 0

    def count(event: str, _: Any) -> None:
        nonlocal switches
        switches += event == "switch"

    before = greenlet.settrace(count)
    try:
        found = [d async for d in differences(live, rebuilt, models=(ArchivedEvent,))]
    finally:
        greenlet.settrace(before)

    assert [(d.table, d.key, d.what) for d in found] == [
        ("reporting_archive", ("1471", DIFFERS), "differs"),
        ("reporting_archive", ("1471", ONLY_LIVE), "only in live"),
        ("reporting_archive", ("1471", ONLY_REPLAY), "only in replay"),
    ]
    assert found[0].detail == "body: live '{}', replay '{\"changed\": true}'"
    # Row by row, 2 x 4,999 rows would take a greenlet each: two switches each at least.
    assert switches < 2 * ROWS // 10
