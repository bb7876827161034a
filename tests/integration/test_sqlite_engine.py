"""The SQLite engine a service reads through: a connection goes back to the pool rolled
back, errors never show the personal data bound into a statement, a database that cannot
be opened is unreachable (not a bug), and a burst of reads does not reopen connections."""

import asyncio
import sqlite3
import threading
import uuid
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import bindparam, event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import Field, SQLModel, col, select

from shared.db import create_tables, database_unreachable, make_engine


class Parcel(SQLModel, table=True):
    __tablename__ = "test_engine_parcel"
    parcel_id: uuid.UUID = Field(primary_key=True)
    office: str
    weight: float
    fragile: bool
    sent_at: datetime


PARCELS = (
    select(col(Parcel.parcel_id), col(Parcel.weight))
    .where(col(Parcel.office) == bindparam("office"), col(Parcel.weight) >= bindparam("least"))
    .order_by(col(Parcel.weight))
)


async def parcels(engine: AsyncEngine, parameters: Mapping[str, Any]) -> list[tuple[Any, ...]]:
    async with engine.connect() as connection:
        return [tuple(row) for row in await connection.execute(PARCELS, dict(parameters))]


async def test_a_connection_with_an_open_transaction_is_rolled_back_on_return(
    empty_sqlite: AsyncEngine,
) -> None:
    engine = empty_sqlite
    async with engine.connect() as connection:
        raw = await connection.get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None
        await driver.execute("DELETE FROM test_engine_parcel")  # begins a transaction
        await driver.execute(
            "INSERT INTO test_engine_parcel VALUES (?, '1471', 1.0, 0, '2026-11-24')",
            (uuid.uuid4().hex,),
        )
        assert driver.in_transaction
    async with engine.connect() as connection:  # rolled back: nothing was written
        count = await connection.scalar(text("SELECT count(*) FROM test_engine_parcel"))
    assert count == 0
    # and no lock is left behind: another connection writes at once
    async with engine.begin() as connection:
        await connection.execute(
            text("INSERT INTO test_engine_parcel VALUES (:id, '1471', 1.0, 0, '2026-11-24')"),
            {"id": uuid.uuid4().hex},
        )
    assert await parcels(engine, {"office": "1471", "least": 0}) != []


async def test_a_database_that_cannot_be_opened_is_unreachable_not_a_bug(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'reads.db'}")
    await create_tables(engine)
    (tmp_path / "reads.db").unlink()
    (tmp_path / "reads.db").mkdir()  # the file is gone and its name is a folder now
    await engine.dispose()  # no connection kept from before
    threads = set(threading.enumerate())
    try:
        with pytest.raises(DBAPIError) as raised:
            await parcels(engine, {"office": "1471", "least": 0})
        assert database_unreachable(raised.value)
    finally:
        await engine.dispose()
        # The failed connect's thread (aiosqlite's) stops by itself and then answers on this
        # test's event loop: it must have done so before the loop closes.
        for thread in set(threading.enumerate()) - threads:
            await asyncio.to_thread(thread.join, 10)


async def test_an_error_of_the_statement_shows_no_parameters(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'reads.db'}")  # no tables made
    try:
        with pytest.raises(DBAPIError) as raised:
            await parcels(engine, {"office": "secret-office-3471", "least": 0})
        assert isinstance(raised.value.orig, sqlite3.OperationalError)
        assert "no such table" in str(raised.value)
        assert "secret-office-3471" not in str(raised.value)
        assert not database_unreachable(raised.value)
        assert engine.sync_engine.pool.checkedout() == 0  # given back after the error too
    finally:
        await engine.dispose()


async def test_connections_opened_for_a_burst_of_reads_are_kept_for_the_next(
    empty_sqlite: AsyncEngine,
) -> None:
    # Opening a connection starts aiosqlite's thread, opens the file and sets the pragmas: a
    # burst of requests must not open and close them again each time.
    engine = empty_sqlite
    opened: list[object] = []
    event.listen(engine.sync_engine, "connect", lambda connection, _record: opened.append(1))
    burst = 24  # more at once than SQLAlchemy's default pool keeps (5)
    for _ in range(2):
        before = len(opened)
        answers = await asyncio.gather(
            *(parcels(engine, {"office": "1471", "least": 0}) for _ in range(burst))
        )
        assert all(len(rows) == 0 for rows in answers)  # no parcels here; all answered
        if before == 0:
            assert len(opened) > 5  # the burst was served side by side
        else:
            assert len(opened) == before  # the second burst opened none
