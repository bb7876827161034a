"""Storage of one service: an async engine (SQLite file by default, PostgreSQL when
DATABASE_URL says so), its tables, and telling an unreachable database from a bug. What
each projection has applied is kept by shared/claims.py."""

import asyncio
import traceback
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar, overload

from sqlalchemy import Table, inspect, text
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Connection, Row, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.schema import CreateTable
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import Select, SelectOfScalar

T = TypeVar("T")


def async_url(url: str) -> str:
    """Accept the URLs people write and name the async driver for them."""
    parsed = make_url(url)
    driver = {
        "postgresql": "postgresql+asyncpg",
        "postgres": "postgresql+asyncpg",
        "postgresql+psycopg2": "postgresql+asyncpg",
        "sqlite": "sqlite+aiosqlite",
    }.get(parsed.drivername, parsed.drivername)
    return parsed.set(drivername=driver).render_as_string(hide_password=False)


# WAL lets the HTTP side read while the consumer writes.
SQLITE_PRAGMAS = ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=30000")
SQLITE_POOL_SIZE, SQLITE_POOL_OVERFLOW = 32, 32


def make_engine(url: str, scratch: bool = False) -> AsyncEngine:
    """The engine of a database URL. `scratch`: an SQLite file only this process uses and
    throws away when done (`jasa audit replay`'s own): no journal and no waiting for the
    disk, as a crash loses nothing worth keeping; a PostgreSQL database is left as it is."""
    url = async_url(url)
    parsed = make_url(url)
    if parsed.drivername.startswith("sqlite"):
        if parsed.database:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(
            url,
            connect_args={"timeout": 30},
            hide_parameters=True,
            # Connections are kept, not closed on return (the default keeps five): opening
            # one starts a thread, opens the file and sets the pragmas, and a burst of
            # requests would open and close them exactly when time is shortest.
            pool_size=SQLITE_POOL_SIZE,
            max_overflow=SQLITE_POOL_OVERFLOW,
        )
        # Many rows inserted as one statement of many VALUES (SQLAlchemy's insertmanyvalues,
        # used without RETURNING only where the dialect says so): an executemany makes sqlite3
        # step once a row, handing the GIL away and back each time, so a busy event loop
        # would hold up every row.
        engine.dialect.use_insertmanyvalues_wo_returning = True
        pragmas = ("journal_mode=OFF", "synchronous=OFF") if scratch else SQLITE_PRAGMAS

        @sa_event.listens_for(engine.sync_engine, "connect")
        def _pragmas(connection, _record):  # type: ignore[no-untyped-def]
            cursor = connection.cursor()
            for pragma in pragmas:
                cursor.execute(f"PRAGMA {pragma}")
            cursor.close()

        return engine
    # hide_parameters: an error names the statement, never the personal data bound into it.
    return create_async_engine(
        url, pool_pre_ping=True, pool_size=10, max_overflow=10, hide_parameters=True
    )


# What says the database cannot be reached right now, as opposed to a statement that is wrong
# (a bug stays a bug). PostgreSQL SQLSTATEs: 08 connection exceptions, 28 refused
# credentials, 3D000 no such database (dropped, renamed), 53300 too many connections, 57P
# shut down, restarting, not yet accepting connections. SQLite: a file that cannot be
# opened, one locked beyond busy_timeout, an I/O error (the volume gone).
UNREACHABLE_SQLSTATES = ("08", "28", "3D000", "53300", "57P")
UNREACHABLE_SQLITE = ("SQLITE_CANTOPEN", "SQLITE_BUSY", "SQLITE_IOERR")
DRIVER_MODULES = ("sqlalchemy.", "asyncpg.", "aiosqlite.", "sqlite3.")


def database_unreachable(error: BaseException) -> bool:
    """Whether `error` means the database cannot be reached right now: down, refusing
    connections, gone, its connection dropped, no connection free in the pool in time."""
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, PoolTimeout):
        return True
    if not isinstance(error, DBAPIError) and not _raised_by_a_driver(error):
        return False  # an OSError of anything else (a file, a socket) is no database's
    for cause in causes_of(error):
        if isinstance(cause, OSError):  # refused, no route, a connect timeout
            return True
        sqlstate = getattr(cause, "sqlstate", None)
        if isinstance(sqlstate, str) and sqlstate.startswith(UNREACHABLE_SQLSTATES):
            return True
        name = getattr(cause, "sqlite_errorname", None)
        if isinstance(name, str) and name.startswith(UNREACHABLE_SQLITE):
            return True
    return False


def causes_of(error: BaseException) -> list[BaseException]:
    """`error` and what it wraps, outermost first (the driver's own error last). Only what
    was wrapped on purpose (`orig`, `raise ... from`), not whatever was being handled."""
    chain: list[BaseException] = []
    cause: BaseException | None = error
    while cause is not None and cause not in chain:
        chain.append(cause)
        orig = getattr(cause, "orig", None)
        cause = orig if isinstance(orig, BaseException) else cause.__cause__
    return chain


def root_cause(error: BaseException) -> str:
    """The driver's own words (`database "x" does not exist`, `Connect call failed`): never
    SQLAlchemy's message, which quotes the statement."""
    cause = causes_of(error)[-1]
    return f"{type(cause).__name__}: {cause}"[:300]


def _raised_by_a_driver(error: BaseException) -> bool:
    """A bare OSError (asyncpg's refused connection is not wrapped) raised inside the pool or
    a driver, by where its traceback went."""
    return any(
        frame.f_globals.get("__name__", "").startswith(DRIVER_MODULES)
        for frame, _ in traceback.walk_tb(error.__traceback__)
    )


async def add_missing_columns(engine: AsyncEngine, table: str, columns: dict[str, str]) -> None:
    """Columns a table made before they existed gets, each `name -> SQL type and default`;
    `create_tables` adds tables, never columns. Two processes may start at once: a column
    the other added first is fine."""
    async with engine.begin() as connection:
        present = await connection.run_sync(
            lambda sync: {c["name"] for c in inspect(sync).get_columns(table)}
        )
    for name, kind in columns.items():
        if name in present:
            continue
        try:
            async with engine.begin() as connection:
                await connection.execute(text(f"ALTER TABLE {table} ADD COLUMN {name} {kind}"))
        except DBAPIError:
            async with engine.begin() as connection:
                added = await connection.run_sync(
                    lambda sync: {c["name"] for c in inspect(sync).get_columns(table)}
                )
            if name not in added:
                raise


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


# How a CREATE that lost a race fails: SQLite "table x already exists", PostgreSQL the same
# or a duplicate key of its catalogue (pg_type) when both create one table at once.
_CREATED_MEANWHILE = ("already exists", "duplicate key value")


async def create_tables(engine: AsyncEngine, attempts: int = 5, indexes: bool = True) -> None:
    """Create the tables and indexes that do not exist yet. Processes starting at once on
    one database (`jasa serve --workers`, a fresh data dir) race to create them: the one that
    loses sees its CREATE fail, its transaction undone, and looks again; by then they exist.
    (uvicorn stops every worker when one fails its start-up: a lost race took the server down.)
    `indexes=False`: the tables with their keys and unique constraints only, for a database
    that is written and then read by key alone (replay's scratch file)."""
    create = SQLModel.metadata.create_all if indexes else _tables_without_indexes
    for attempt in range(1, attempts + 1):
        try:
            async with engine.begin() as connection:
                await connection.run_sync(create)
            return
        except DBAPIError as error:
            if attempt == attempts or not any(s in root_cause(error) for s in _CREATED_MEANWHILE):
                raise
            await asyncio.sleep(0.05 * attempt)


def _tables_without_indexes(connection: Connection) -> None:
    for table in SQLModel.metadata.sorted_tables:
        connection.execute(CreateTable(table, if_not_exists=True))


def table_of(model: type[SQLModel]) -> Table:
    """A table model's Core table (SQLModel does not type `__table__`)."""
    return model.__table__  # type: ignore[attr-defined,no-any-return]


def chunks(values: Sequence[T], size: int = 500) -> Iterator[Sequence[T]]:
    """`values` in slices small enough for one `IN (...)` (SQLite binds at most 999 values)."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


@overload
async def keyset_page(
    session: AsyncSession, query: SelectOfScalar[T], key: Any, after: Any, limit: int
) -> tuple[list[T], bool]: ...


@overload
async def keyset_page(
    session: AsyncSession, query: Select[Any], key: Any, after: Any, limit: int
) -> tuple[list[Row[Any]], bool]: ...


async def keyset_page(
    session: AsyncSession, query: Any, key: Any, after: Any, limit: int
) -> tuple[list[Any], bool]:
    """One page of `query` in the order of `key`, after the key value `after` (None: from
    the start): the rows, and whether more follow. Callers make their cursor of the last row."""
    if after is not None:
        query = query.where(key > after)
    rows = list((await session.exec(query.order_by(key).limit(limit + 1))).all())
    return rows[:limit], len(rows) > limit
