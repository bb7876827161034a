"""A read in one trip to the database gives what SQLAlchemy's execute gives, on SQLite and
PostgreSQL; on SQLite it is one call to aiosqlite's thread, and a connection goes back to
the pool without a ROLLBACK unless a transaction is open."""

import asyncio
import sqlite3
import threading
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import bindparam, event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import Field, SQLModel, col, select

from shared.db import create_tables, database_unreachable, make_engine, session_factory
from shared.reads import OneTripRead
from tests.aiosqlite_calls import calls_to_aiosqlites_thread


class Parcel(SQLModel, table=True):
    __tablename__ = "test_one_trip_parcel"
    parcel_id: uuid.UUID = Field(primary_key=True)
    office: str
    weight: float
    fragile: bool
    sent_at: datetime


PARCELS = OneTripRead(
    select(col(Parcel.parcel_id), col(Parcel.weight), col(Parcel.fragile), col(Parcel.sent_at))
    .where(col(Parcel.office) == bindparam("office"), col(Parcel.weight) >= bindparam("least"))
    .order_by(col(Parcel.weight))
)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'reads.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(database_url)
    await create_tables(engine)
    sent = datetime(2026, 11, 24, 8, 30, tzinfo=UTC)
    async with session_factory(engine)() as session, session.begin():
        for office, weight, fragile in [("1471", 2.5, True), ("1471", 0.5, False),
                                        ("1471", 7.0, False), ("1403", 9.0, True)]:  # fmt: skip
            session.add(Parcel(parcel_id=uuid.uuid4(), office=office, weight=weight,
                               fragile=fragile, sent_at=sent))  # fmt: skip
    yield engine
    await engine.dispose()


async def test_the_rows_are_those_of_sqlalchemys_execute(engine: AsyncEngine) -> None:
    parameters = {"office": "1471", "least": 1.0}
    rows = await PARCELS.rows(engine, parameters)
    async with engine.connect() as connection:
        expected = [tuple(row) for row in await connection.execute(PARCELS.statement, parameters)]
    assert rows == expected
    assert [weight for _, weight, _, _ in rows] == [2.5, 7.0]
    parcel_id, _, fragile, sent_at = rows[0]
    # typed as the columns are: a UUID, a bool (SQLite stores 1), a datetime
    assert isinstance(parcel_id, uuid.UUID)
    assert fragile is True
    assert sent_at == datetime(2026, 11, 24, 8, 30, tzinfo=UTC)
    assert await PARCELS.rows(engine, {"office": "9999", "least": 0}) == []


SENT_SINCE = OneTripRead(
    select(col(Parcel.weight))
    .where(col(Parcel.sent_at) >= bindparam("since"))
    .order_by(col(Parcel.weight))
)
EVERY_OFFICE = OneTripRead(select(col(Parcel.office)).distinct().order_by(col(Parcel.office)))


async def test_a_time_as_parameter_and_a_read_with_no_parameter(engine: AsyncEngine) -> None:
    # the time bound as SQLAlchemy binds it: in UTC, whatever zone it is given in
    since = datetime(2026, 11, 24, 15, 30, tzinfo=timezone(timedelta(hours=7)))  # 08:30 UTC
    assert await SENT_SINCE.rows(engine, {"since": since}) == [(0.5,), (2.5,), (7.0,), (9.0,)]
    assert await SENT_SINCE.rows(engine, {"since": since + timedelta(seconds=1)}) == []
    assert await EVERY_OFFICE.rows(engine, {}) == [("1403",), ("1471",)]


async def test_on_sqlite_a_read_is_one_call_to_the_database_thread(
    empty_sqlite: AsyncEngine,
) -> None:
    engine = empty_sqlite
    await PARCELS.rows(engine, {"office": "1471", "least": 0})  # the pool has a connection
    with calls_to_aiosqlites_thread() as calls:
        await PARCELS.rows(engine, {"office": "1471", "least": 0})
    assert calls == ["_execute_fetchall"]  # no cursor, close, nor ROLLBACK on return
    assert engine.sync_engine.pool.checkedout() == 0  # the connection is back in the pool
    with calls_to_aiosqlites_thread() as calls:  # SQLAlchemy's own way, for comparison
        async with engine.connect() as connection:
            await connection.execute(PARCELS.statement, {"office": "1471", "least": 0})
    assert len(calls) >= 4


async def test_a_connection_with_an_open_transaction_is_rolled_back_on_return(
    empty_sqlite: AsyncEngine,
) -> None:
    engine = empty_sqlite
    async with engine.connect() as connection:
        raw = await connection.get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None
        await driver.execute("DELETE FROM test_one_trip_parcel")  # begins a transaction
        await driver.execute(
            "INSERT INTO test_one_trip_parcel VALUES (?, '1471', 1.0, 0, '2026-11-24')",
            (uuid.uuid4().hex,),
        )
        assert driver.in_transaction
    async with engine.connect() as connection:  # rolled back: nothing was written
        count = await connection.scalar(text("SELECT count(*) FROM test_one_trip_parcel"))
        raw = await connection.get_raw_connection()
        assert raw.driver_connection is not None
        assert not raw.driver_connection.in_transaction
    assert count == 0
    # and no lock is left behind: another connection writes at once
    async with engine.begin() as connection:
        await connection.execute(
            text("INSERT INTO test_one_trip_parcel VALUES (:id, '1471', 1.0, 0, '2026-11-24')"),
            {"id": uuid.uuid4().hex},
        )


async def test_a_database_that_cannot_be_opened_is_unreachable_not_a_bug(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'reads.db'}")
    await create_tables(engine)
    (tmp_path / "reads.db").unlink()
    (tmp_path / "reads.db").mkdir()  # the file is gone and its name is a folder now
    await engine.dispose()  # no connection kept from before
    threads = set(threading.enumerate())
    try:
        with pytest.raises(DBAPIError) as raised:
            await PARCELS.rows(engine, {"office": "1471", "least": 0})
        assert database_unreachable(raised.value)
    finally:
        await engine.dispose()
        # The failed connect's thread (aiosqlite's) stops by itself and then answers on this
        # test's event loop: it must have done so before the loop closes.
        for thread in set(threading.enumerate()) - threads:
            await asyncio.to_thread(thread.join, 10)


async def test_an_error_of_the_statement_is_sqlalchemys_with_no_parameters_shown(
    tmp_path: Path,
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'reads.db'}")  # no tables made
    try:
        with pytest.raises(DBAPIError) as raised:
            await PARCELS.rows(engine, {"office": "secret-office-3471", "least": 0})
        assert isinstance(raised.value.orig, sqlite3.OperationalError)
        assert "no such table" in str(raised.value)
        assert "secret-office-3471" not in str(raised.value)
        assert not database_unreachable(raised.value)
        assert engine.sync_engine.pool.checkedout() == 0  # given back after the error too
    finally:
        await engine.dispose()


async def test_on_sqlite_connections_opened_for_a_burst_are_kept_for_the_next(
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
            *(PARCELS.rows(engine, {"office": "1471", "least": 0}) for _ in range(burst))
        )
        assert all(len(rows) == 0 for rows in answers)  # no parcels here; all answered
        if before == 0:
            assert len(opened) > 5  # the burst was served side by side
        else:
            assert len(opened) == before  # the second burst opened none
