"""A read asked on every request, in one trip to the database.

On SQLite, aiosqlite runs each call in a thread of its own, and SQLAlchemy's execute and
fetch is four such calls (cursor, execute, fetchall, close): four times a thread woken, the
GIL handed over and back, the event loop woken again. On a 2-core VM that is about 0.1 ms
of CPU a call, more than the query itself. Here the statement is compiled once per dialect
and its rows are fetched in one call (`execute_fetchall`); SQLAlchemy's bind and result
processing still applies (the parameters bound as `shared.bulk` binds a row's), so the rows
are what `connection.execute` would give. The connection is taken from the engine's pool
and given back without SQLAlchemy's `Connection` around it: that wrapper, its greenlet
switches and its pool bookkeeping cost more CPU than the trip itself (about 0.1 ms a read).
Other drivers (asyncpg has no such thread) take the usual path."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.bulk import DriverStatement, driver_statement, sqlalchemy_errors


@dataclass(frozen=True, slots=True)
class _Compiled:
    statement: DriverStatement  # the SQL, and the parameters bound as SQLAlchemy binds them
    results: tuple[Callable[[Any], Any] | None, ...]  # each column's result processor


class OneTripRead:
    """One SELECT, its parameters bound by name when it is run."""

    def __init__(self, statement: Select[*tuple[Any, ...]]) -> None:
        self.statement = statement
        self._compiled: dict[str, _Compiled] = {}

    async def rows(
        self, engine: AsyncEngine, parameters: Mapping[str, Any]
    ) -> list[tuple[Any, ...]]:
        if engine.dialect.driver != "aiosqlite":
            async with engine.connect() as connection:
                result = await connection.execute(self.statement, dict(parameters))
                return [tuple(row) for row in result.all()]
        compiled = self._compiled_for(engine.dialect)
        sql = compiled.statement.sql
        [values] = compiled.statement.parameters([dict(parameters)])
        with sqlalchemy_errors(None, None):  # the file cannot be opened, say
            pooled = await engine.raw_connection()
        try:
            driver = pooled.driver_connection
            assert driver is not None  # a connection checked out is open
            with sqlalchemy_errors(sql, values):
                fetched = await driver.execute_fetchall(sql, values)
            if driver.in_transaction:  # a SELECT opens none; returned as it was taken
                await driver.rollback()
        finally:
            pooled.close()  # back to the pool, at once: nothing to roll back
        return [
            tuple(result(value) if result else value
                  for result, value in zip(compiled.results, row, strict=True))
            for row in fetched
        ]  # fmt: skip

    def _compiled_for(self, dialect: Dialect) -> _Compiled:
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            compiled = self._compiled[dialect.name] = _Compiled(
                driver_statement(self.statement, dialect),
                tuple(
                    column.type.dialect_impl(dialect).result_processor(dialect, None)
                    for column in self.statement.selected_columns
                ),
            )
        return compiled
