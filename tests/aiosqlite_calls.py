"""Counting the calls handed to aiosqlite's thread: each one wakes the thread and hands the
GIL over and back, which is what `shared.reads` and `shared.bulk` save."""

from collections.abc import Iterator
from contextlib import contextmanager

import aiosqlite


@contextmanager
def calls_to_aiosqlites_thread() -> Iterator[list[str]]:
    """The names of the functions handed to aiosqlite's thread meanwhile."""
    calls: list[str] = []
    original = aiosqlite.Connection._execute

    async def counted(self, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(getattr(fn, "__name__", repr(fn)))
        return await original(self, fn, *args, **kwargs)

    aiosqlite.Connection._execute = counted  # type: ignore[method-assign]
    try:
        yield calls
    finally:
        aiosqlite.Connection._execute = original  # type: ignore[method-assign]
