"""Helpers of the courier's integration tests: polling the eventually consistent views."""

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import httpx

T = TypeVar("T")
DEADLINE_S = 10.0


async def eventually(
    probe: Callable[[], Awaitable[T]], accept: Callable[[T], bool], what: str
) -> T:
    """Call `probe` until `accept` holds for its answer, or fail after a deadline."""
    deadline = time.monotonic() + DEADLINE_S
    while True:
        answer = await probe()
        if accept(answer):
            return answer
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen in {DEADLINE_S}s; last: {answer!r}")
        await asyncio.sleep(0.05)


async def get_until(
    client: httpx.AsyncClient,
    url: str,
    headers: dict[str, str],
    accept: Callable[[httpx.Response], bool],
    what: str,
) -> httpx.Response:
    return await eventually(lambda: client.get(url, headers=headers), accept, what)
