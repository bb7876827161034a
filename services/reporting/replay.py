"""`jasa audit replay`: rebuild every reporting projection from the log into a fresh
database with the very code the live service runs (`seal_page`, `write_page`), then
compare the two databases table by table, row by row.

The log is read in pages and each page is written in one transaction with a fresh session,
so memory stays flat however long the log grows. Rows are compared as two streams sorted
by primary key (byte order on both sides), never loaded whole. One office at a time: its
log is replayed, and only its rows of the live database are compared."""

import contextlib
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from services.reporting.archive import (
    EMPTY,
    ArchivedEvent,
    ChainHead,
    SealedPage,
    chain_head,
    logged_events,
    readable,
    revealing_what_is_read,
    seal_page,
    write_page,
)
from services.reporting.projections import READ_MODELS
from shared.db import table_of
from shared.log import EventLog

COMPARED: tuple[type[SQLModel], ...] = (ArchivedEvent, *READ_MODELS)
ROWS_A_STEP = 1000  # rows read from each database at a time, when comparing
# What a table records about where the log is kept, not about the log: which events were
# trimmed from Redis is the live archive's, and a replay has nothing to rebuild it from.
NOT_REBUILT = {table_of(ArchivedEvent).name: {"trimmed_by"}}


@dataclass(frozen=True, slots=True)
class Rebuilt:
    events: int
    seconds: float
    head: ChainHead

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else float(self.events)


async def rebuild(
    log: EventLog,
    sessions: async_sessionmaker[AsyncSession],
    until: str | None = None,
    page_size: int = 1000,
    progress: Callable[[int], None] = lambda _: None,
) -> Rebuilt:
    """Archive and project one office's log (up to and including `until`) into an empty
    database, a page at a time. Pages are not sealed ahead while one is written: that keeps
    the event loop busy just when each of the database thread's answers waits for it."""
    started = time.perf_counter()
    head = EMPTY
    async with contextlib.aclosing(_sealed_pages(log, until, page_size)) as pages:
        async for page, entries in pages:
            async with sessions() as session:
                head = await write_page(session, log.keys.office, page)
                await session.commit()
            progress(entries)
    return Rebuilt(head.count, time.perf_counter() - started, head)


async def _sealed_pages(
    log: EventLog, until: str | None, page_size: int
) -> AsyncGenerator[tuple[SealedPage, int], None]:
    """Each page of the log sealed (with the number of entries it was read from)."""
    head = EMPTY
    reveal = revealing_what_is_read(log)
    async with contextlib.aclosing(log.raw_pages(limit=page_size, until=until)) as pages:
        async for entries in pages:
            page = await seal_page(
                log.keys.office,
                readable(entries),
                head,
                reveal=reveal,
                logged=logged_events(entries),
            )
            head = page.head
            yield page, len(entries)


async def live_head(sessions: async_sessionmaker[AsyncSession], office: str) -> ChainHead:
    async with sessions() as session:
        return await chain_head(session, office)


@dataclass(frozen=True, slots=True)
class Difference:
    table: str
    key: tuple[Any, ...]
    what: str  # "only in live", "only in replay", "differs"
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.table} {self.key}: {self.what}{' - ' + self.detail if self.detail else ''}"


async def differences(
    live: AsyncEngine,
    rebuilt: AsyncEngine,
    models: Sequence[type[SQLModel]] = COMPARED,
    office: str | None = None,
) -> AsyncIterator[Difference]:
    """Every row that is not the same in both databases, table by table; of one office's rows
    only, when `office` is given (the live database may hold other offices too)."""
    for model in models:
        table = table_of(model)
        async for difference in _table_differences(table, live, rebuilt, office):
            yield difference


async def _table_differences(
    table: Table, live: AsyncEngine, rebuilt: AsyncEngine, office: str | None
) -> AsyncIterator[Difference]:
    names = [column.name for column in table.columns]
    key_at = [names.index(column.name) for column in table.primary_key.columns]
    async with live.connect() as left_db, rebuilt.connect() as right_db:
        left = aiter(_rows(left_db, table, office))
        right = aiter(_rows(right_db, table, office))
        a, b = await anext(left, None), await anext(right, None)
        while a is not None or b is not None:
            key_a = tuple(a[i] for i in key_at) if a is not None else None
            key_b = tuple(b[i] for i in key_at) if b is not None else None
            if b is None or (key_a is not None and key_b is not None and key_a < key_b):
                yield Difference(table.name, key_a or (), "only in live")
                a = await anext(left, None)
            elif a is None or (key_a is not None and key_b is not None and key_b < key_a):
                yield Difference(table.name, key_b or (), "only in replay")
                b = await anext(right, None)
            else:
                ignored = NOT_REBUILT.get(table.name, set())
                changed = [
                    f"{name}: live {x!r}, replay {y!r}"
                    for name, x, y in zip(names, a, b, strict=True)
                    if x != y and name not in ignored
                ]
                if changed:
                    yield Difference(table.name, key_a or (), "differs", "; ".join(changed))
                a, b = await anext(left, None), await anext(right, None)


async def _rows(
    connection: Any, table: Table, office: str | None
) -> AsyncIterator[tuple[Any, ...]]:
    order = [
        column.collate("C")
        if connection.dialect.name == "postgresql" and _is_text(column)
        else column
        for column in table.primary_key.columns
    ]
    query = select(table).order_by(*order)
    if office is not None and "office" in table.columns:
        query = query.where(table.columns["office"] == office)
    result = await connection.stream(query)
    # A thousand rows a step: each step of an async result is a greenlet of its own, and on
    # Python 3.11 each greenlet maps and unmaps a frame stack. Row by row, that was most of
    # the comparison's time.
    async for rows in result.partitions(ROWS_A_STEP):
        for row in rows:
            yield tuple(row)


def _is_text(column: Any) -> bool:
    try:
        return column.type.python_type is str
    except NotImplementedError:
        return False
