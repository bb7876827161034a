"""Many rows written by one statement, at the driver's speed.

SQLAlchemy's executemany builds every row's parameters through the compiled statement
(`construct_params`) and each column's processors: about 3 µs a row before the driver
sees it, a large part of what writing a page of projections costs. Here each statement is
compiled once per table, columns and dialect, and a row becomes the driver's tuple by one
`itemgetter`, only the columns that need it (times, in SQLite's text form) processed by
their type's own bind processor (or a quicker one that gives the same). So what is stored is
what `connection.execute(insert(table), rows)` would store, on SQLite and PostgreSQL alike,
and read back through the ORM as before. A read that binds its parameters the same way
(`shared.reads`) uses `driver_statement` too.

On SQLite many rows go as one statement (`INSERT ... VALUES (...), (...)`, `UPDATE ...
FROM (VALUES ...)`), each handed to aiosqlite's thread in one call. An executemany steps
SQLite once a row, and Python's sqlite3 lets go of the GIL around each step and needs it
back after: while the event loop's thread is busy, each row then waits out the interpreter's
switch interval (5 ms), so the database's work is done only when that thread idles, never
beside it. Measured: 2,500 rows took 10 ms alone and 10 s beside a busy thread; as one
statement, 8 ms and 25-31 ms. SQLAlchemy's way would also be three calls (cursor,
executemany, close), each a thread woken and the GIL handed over and back (see
`shared.reads`)."""

import contextlib
import itertools
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache
from operator import itemgetter
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, update
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.types import DateTime, TypeEngine

Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class DriverStatement:
    """A statement as the driver takes it: its SQL, and how a row of values by name becomes
    the driver's tuple of parameters."""

    sql: str
    values_of: Callable[[Row], tuple[Any, ...]]
    processed: tuple[tuple[int, Callable[[Any], Any]], ...]
    binds: tuple[str, ...] = ()  # the names of the parameters, in the driver's order
    # On SQLite: the statement for so many rows at once, their parameters one row after the
    # other in the order above (`RowsAtOnce`); None where it is one row a step.
    at_once: "RowsAtOnce | None" = field(default=None, compare=False)

    def parameters(self, rows: Sequence[Row]) -> list[tuple[Any, ...]]:
        values_of = self.values_of
        if not self.processed:
            return [values_of(row) for row in rows]
        processed = self.processed
        made = []
        for row in rows:
            values = list(values_of(row))
            for at, process in processed:
                if (value := values[at]) is not None:
                    values[at] = process(value)
            made.append(tuple(values))
        return made


def _sqlite_utc_text(moment: datetime) -> str:
    """An aware time as SQLite's DATETIME stores it: in UTC, without zone, microseconds."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


# The text of the moments last written, made once each: a page's rows share their events'
# times (an event on a recap of ten initials ten cards, and each card's last step is the
# time of its step), and the text costs several times a look-up. Equal moments in other
# zones are the same instant, so their UTC text is the same too.
_remembered_utc_text = lru_cache(maxsize=4096)(_sqlite_utc_text)


_SAMPLES = (
    datetime(2026, 11, 24, 3, 4, 5, 678901, tzinfo=UTC),
    datetime(999, 1, 2, tzinfo=timezone(timedelta(hours=7))),
)


def _processor(bind_type: TypeEngine[Any], dialect: Dialect) -> Callable[[Any], Any] | None:
    """The type's bind processor; for times on SQLite, a quicker one (three C calls instead
    of SQLAlchemy's chain, the costliest part of writing a page), used only where it writes
    exactly what SQLAlchemy's would."""
    process = bind_type._cached_bind_processor(dialect)
    if process is not None and dialect.name == "sqlite" and bind_type._type_affinity is DateTime:
        with contextlib.suppress(Exception):
            if all(_sqlite_utc_text(m) == process(m) for m in _SAMPLES):
                return _remembered_utc_text
    return process


def driver_statement(
    statement: ClauseElement,
    dialect: Dialect,
    column_of: Callable[[str], str] = lambda bind: bind,
) -> DriverStatement:
    """`statement` compiled for the dialect, its parameters taken from a row by name
    (`column_of` each bind) and processed as SQLAlchemy would."""
    compiled = cast(SQLCompiler, statement.compile(dialect=dialect))
    order = tuple(compiled.positiontup or ())
    processors = [_processor(compiled.binds[name].type, dialect) for name in order]
    processed = tuple((at, p) for at, p in enumerate(processors) if p is not None)
    return DriverStatement(
        compiled.string, _values_of([column_of(n) for n in order]), processed, order
    )


def _values_of(names: list[str]) -> Callable[[Row], tuple[Any, ...]]:
    """A row's values of `names`, in order (`itemgetter` of one name gives it bare)."""
    if len(names) > 1:
        return itemgetter(*names)
    return (lambda row: (row[names[0]],)) if names else (lambda row: ())


_compiled: dict[tuple[str, Table, tuple[str, ...], str], DriverStatement] = {}


def _compile(
    kind: str,
    table: Table,
    names: tuple[str, ...],
    dialect: Dialect,
    statement: Callable[[], ClauseElement],
    column_of: Callable[[str], str] = lambda bind: bind,
) -> DriverStatement:
    """`driver_statement` of the statement `statement()` makes, made on first use; on
    SQLite with its form for many rows at once."""
    key = (kind, table, names, dialect.name)
    found = _compiled.get(key)
    if found is None:
        found = driver_statement(statement(), dialect, column_of)
        if dialect.name == "sqlite":
            at_once = _AT_ONCE[kind](table, found.binds, dialect)
            found = replace(found, at_once=at_once)
        _compiled[key] = found
    return found


# How many parameters one SQLite statement may hold (SQLITE_MAX_VARIABLE_NUMBER's default).
SQLITE_PARAMETERS = 32766 if sqlite3.sqlite_version_info >= (3, 32, 0) else 999


@dataclass(frozen=True, slots=True)
class RowsAtOnce:
    """A SQLite statement for many rows: `head`, a row's parameters `(?, ...)` as many times
    as there are rows, `tail`."""

    head: str
    tail: str
    width: int  # parameters a row

    @property
    def most_rows(self) -> int:
        return max(1, SQLITE_PARAMETERS // self.width)

    def sql(self, rows: int) -> str:
        return _sql_for(self, rows)


@lru_cache(maxsize=64)
def _sql_for(statement: RowsAtOnce, rows: int) -> str:
    row = f"({', '.join('?' * statement.width)})"
    return f"{statement.head}{', '.join(itertools.repeat(row, rows))}{statement.tail}"


def _insert_at_once(table: Table, names: Sequence[str], dialect: Dialect) -> RowsAtOnce:
    quote = dialect.identifier_preparer
    columns = ", ".join(quote.quote(name) for name in names)
    head = f"INSERT INTO {quote.format_table(table)} ({columns}) VALUES "
    return RowsAtOnce(head, "", len(names))


def _update_at_once(table: Table, binds: Sequence[str], dialect: Dialect) -> RowsAtOnce | None:
    """`UPDATE table SET ... FROM (VALUES ...)`, the rows' values bound as `update_rows`'s
    statement binds them (new_<column> to set, key_<column> to find the row by). SQLite
    looks each row of the VALUES up by the table's key. Before SQLite 3.33, None."""
    if sqlite3.sqlite_version_info < (3, 33, 0):
        return None
    quote = dialect.identifier_preparer
    name = quote.format_table(table)
    sets: list[str] = []
    keys: list[str] = []
    for n, bind in enumerate(binds, start=1):
        kind, column = bind.split("_", 1)
        (sets if kind == "new" else keys).append(f"{quote.quote(column)} = v.column{n}")
    where = " AND ".join(f"{name}.{key}" for key in keys)
    return RowsAtOnce(
        f"UPDATE {name} SET {', '.join(sets)} FROM (VALUES ", f") AS v WHERE {where}", len(binds)
    )


_AT_ONCE: dict[str, Callable[[Table, Sequence[str], Dialect], RowsAtOnce | None]] = {
    "insert": _insert_at_once,
    "update": _update_at_once,
}


@contextlib.contextmanager
def sqlalchemy_errors(sql: str | None, parameters: Any) -> Iterator[None]:
    """An error of sqlite3, called without SQLAlchemy, raised as SQLAlchemy raises it (an
    `IntegrityError` stays one), the parameters hidden: they may hold personal data."""
    try:
        yield
    except sqlite3.Error as error:
        raise DBAPIError.instance(
            sql, parameters, error, sqlite3.Error, hide_parameters=True
        ) from error


async def _execute_many(
    connection: AsyncConnection, statement: DriverStatement, rows: Sequence[Row]
) -> None:
    """`statement` for each row, in the connection's transaction; on SQLite as few
    statements as hold them all (see the module's text)."""
    parameters = statement.parameters(rows)
    if connection.dialect.driver != "aiosqlite":
        await connection.exec_driver_sql(statement.sql, parameters)  # type: ignore[arg-type]
        return
    driver = (await connection.get_raw_connection()).driver_connection
    assert driver is not None  # a connection checked out is open
    at_once = statement.at_once
    if at_once is None:
        with sqlalchemy_errors(statement.sql, parameters):
            await driver.executemany(statement.sql, parameters)
        return
    most = at_once.most_rows
    for start in range(0, len(parameters), most):
        chunk = parameters[start : start + most]
        sql = at_once.sql(len(chunk))
        with sqlalchemy_errors(sql, chunk):
            await driver.execute(sql, list(itertools.chain.from_iterable(chunk)))


async def insert_rows(connection: AsyncConnection, table: Table, rows: Sequence[Row]) -> None:
    """INSERT `rows` (each with the same columns, those of the first) in one executemany."""
    if not rows:
        return
    names = tuple(rows[0])

    def statement() -> ClauseElement:
        return insert(table).values({name: bindparam(name) for name in names})

    await _execute_many(
        connection, _compile("insert", table, names, connection.dialect, statement), rows
    )


async def update_rows(connection: AsyncConnection, table: Table, rows: Sequence[Row]) -> None:
    """Each row written back whole (its other columns), found by its primary key, in one
    executemany UPDATE."""
    if not rows:
        return
    names = tuple(rows[0])

    def statement() -> ClauseElement:
        keys = [column.name for column in table.primary_key.columns]
        return (
            update(table)
            .where(*(table.c[name] == bindparam(f"key_{name}") for name in keys))
            .values({name: bindparam(f"new_{name}") for name in names if name not in keys})
        )

    # A bind is named after its column: key_<column> in WHERE, new_<column> in SET.
    compiled = _compile("update", table, names, connection.dialect, statement, lambda b: b[4:])
    await _execute_many(connection, compiled, rows)
