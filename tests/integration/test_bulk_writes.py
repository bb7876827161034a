"""Rows written many at a time by `shared.bulk` are stored exactly as one INSERT a row
stores them, on SQLite and on PostgreSQL: the same bytes in the table (times in UTC), the
same values read back; a batch is written all or nothing, its parameters never shown."""

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, SQLModel

from shared.bulk import insert_rows, update_rows
from shared.db import create_tables, make_engine

WIB = timezone(timedelta(hours=7))


class CardColumns(SQLModel):
    office: str = Field(primary_key=True, max_length=8)
    card_id: str = Field(primary_key=True, max_length=36)
    status: str = Field(max_length=20)
    steps: int
    score: float | None = None
    at: datetime
    closed_at: datetime | None = None
    note: str | None = None


class Card(CardColumns, table=True):
    __tablename__ = "test_bulk_card"


class SameCard(CardColumns, table=True):
    """Card's twin, written one row a statement for comparison."""

    __tablename__ = "test_bulk_card_reference"


MOMENT = datetime(2026, 11, 24, 3, 4, 5, 678901, tzinfo=UTC)


def cards() -> list[dict[str, object]]:
    return [
        {"office": "1471", "card_id": f"card-{n}", "status": "REGISTERED", "steps": n,
         "score": n / 3 if n % 2 else None,
         # the same moment recurs, in UTC and in WIB; whole seconds; before year 1000
         "at": MOMENT if n % 3 else MOMENT.astimezone(WIB),
         "closed_at": [None, MOMENT.replace(microsecond=0), datetime(999, 1, 2, tzinfo=UTC)][n % 3],
         "note": "catatan \u2018petugas\u2019 \u2013 ok" if n % 4 == 0 else None}
        for n in range(40)
    ]  # fmt: skip


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'bulk.db'}"
    return str(request.getfixturevalue("postgres_url"))


async def stored(connection, table: str) -> list[tuple[object, ...]]:  # type: ignore[no-untyped-def]
    """The rows as the database itself holds them, no type processing on the way back."""
    result = await connection.exec_driver_sql(f"SELECT * FROM {table} ORDER BY card_id")
    return [tuple(row) for row in result]


async def test_inserted_rows_are_stored_as_one_insert_a_row_stores_them(database_url: str) -> None:
    engine = make_engine(database_url)
    await create_tables(engine)
    try:
        async with engine.begin() as connection:
            await insert_rows(connection, Card.__table__, cards())  # type: ignore[attr-defined]
            for row in cards():
                await connection.execute(insert(SameCard.__table__), row)  # type: ignore[attr-defined]
        async with engine.connect() as connection:
            ours = await stored(connection, "test_bulk_card")
            theirs = await stored(connection, "test_bulk_card_reference")
            read_back = (await connection.execute(select(Card.__table__))).all()  # type: ignore[attr-defined]
    finally:
        await engine.dispose()
    assert len(ours) == 40
    assert ours == theirs
    by_id = {row.card_id: row for row in read_back}
    assert by_id["card-3"].at == MOMENT and by_id["card-3"].at.tzinfo is not None
    assert by_id["card-2"].closed_at == datetime(999, 1, 2, tzinfo=UTC)
    if database_url.startswith("sqlite"):  # a moment given in WIB is stored in UTC
        assert ours[3][5] == ours[0][5] == "2026-11-24 03:04:05.678901"


async def test_updated_rows_change_only_the_rows_named_by_their_key(database_url: str) -> None:
    engine = make_engine(database_url)
    await create_tables(engine)
    changed = [
        {**row, "status": "DELIVERED", "steps": 99, "closed_at": MOMENT, "note": None}
        for row in cards()[:5]
    ]
    try:
        async with engine.begin() as connection:
            for table in (Card.__table__, SameCard.__table__):  # type: ignore[attr-defined]
                await connection.execute(insert(table), cards())
            await update_rows(connection, Card.__table__, changed)  # type: ignore[attr-defined]
            await connection.execute(
                update(SameCard.__table__)  # type: ignore[attr-defined]
                .where(text("office = :office_key AND card_id = :id_key"))
                .values(status="DELIVERED", steps=99, closed_at=MOMENT, note=None),
                [{"office_key": r["office"], "id_key": r["card_id"]} for r in changed],
            )
        async with engine.connect() as connection:
            ours = await stored(connection, "test_bulk_card")
            theirs = await stored(connection, "test_bulk_card_reference")
    finally:
        await engine.dispose()
    assert ours == theirs
    assert sum(1 for row in ours if row[2] == "DELIVERED") == 5


async def test_no_rows_is_no_statement(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    await create_tables(engine)
    try:
        async with engine.begin() as connection:
            await insert_rows(connection, Card.__table__, [])  # type: ignore[attr-defined]
            await update_rows(connection, Card.__table__, [])  # type: ignore[attr-defined]
            assert await stored(connection, "test_bulk_card") == []
    finally:
        await engine.dispose()


async def test_more_rows_than_one_statement_holds_are_all_written(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'bulk.db'}")
    await create_tables(engine)
    many = [{**cards()[n % 40], "card_id": f"card-{n:05}"} for n in range(2_500)]
    changed = [{**row, "status": "DELIVERED"} for row in many[1_000:2_200]]
    try:
        async with engine.begin() as connection:
            await insert_rows(connection, Card.__table__, many)  # type: ignore[attr-defined]
            await update_rows(connection, Card.__table__, changed)  # type: ignore[attr-defined]
        async with engine.connect() as connection:
            rows = await stored(connection, "test_bulk_card")
    finally:
        await engine.dispose()
    assert [row[1] for row in rows] == [f"card-{n:05}" for n in range(2_500)]
    assert sum(1 for row in rows if row[2] == "DELIVERED") == 1_200


async def test_a_row_already_there_is_sqlalchemys_integrity_error_and_nothing_is_written(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    await create_tables(engine)
    secret = {**cards()[7], "note": "NIK 1471011708900007"}
    try:
        async with engine.begin() as connection:
            await insert_rows(connection, Card.__table__, cards()[:8])  # type: ignore[attr-defined]
        with pytest.raises(IntegrityError) as raised:
            async with engine.begin() as connection:
                # the first rows are new, the last is there already: all or nothing
                await insert_rows(connection, Card.__table__, [*cards()[8:20], secret])  # type: ignore[attr-defined]
        assert "1471011708900007" not in str(raised.value)  # the parameters are not shown
        async with engine.connect() as connection:
            rows = await stored(connection, "test_bulk_card")
        # and the connection is usable again, for the next transaction
        async with engine.begin() as connection:
            await insert_rows(connection, Card.__table__, cards()[8:10])  # type: ignore[attr-defined]
    finally:
        await engine.dispose()
    assert [row[1] for row in rows] == [f"card-{n}" for n in range(8)]
