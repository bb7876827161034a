"""Many rows written at once through SQLAlchemy: an executemany, which on SQLite goes as
INSERTs of many VALUES (`shared.db.make_engine`). The read models and the archive write a
page of events as a few of these, never a statement a row."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, bindparam, insert, update
from sqlalchemy.ext.asyncio import AsyncConnection

Row = dict[str, Any]


async def insert_rows(connection: AsyncConnection, table: Table, rows: Sequence[Row]) -> None:
    """INSERT `rows` (each with the same columns, those of the first) in one executemany."""
    if rows:  # no rows at all would be one INSERT of the columns' defaults
        await connection.execute(insert(table), list(rows))


async def update_rows(connection: AsyncConnection, table: Table, rows: Sequence[Row]) -> None:
    """Each row written back whole (its other columns), found by its primary key, in one
    executemany UPDATE."""
    if not rows:
        return
    keys = [column.name for column in table.primary_key.columns]
    others = [name for name in rows[0] if name not in keys]
    # A bind may not take its column's own name in an UPDATE: key_<column> finds the row,
    # new_<column> is what it is set to.
    statement = (
        update(table)
        .where(*(table.c[name] == bindparam(f"key_{name}") for name in keys))
        .values({name: bindparam(f"new_{name}") for name in others})
    )
    parameters = [
        {
            **{f"key_{name}": row[name] for name in keys},
            **{f"new_{name}": row[name] for name in others},
        }
        for row in rows
    ]
    await connection.execute(statement, parameters)
