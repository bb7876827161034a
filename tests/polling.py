"""Waiting for eventual consistency in tests: poll with a deadline, never sleep and hope."""

import asyncio
from collections.abc import Awaitable, Callable


async def wait_until(check: Callable[[], Awaitable[bool]], within: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"the condition did not come true within {within} s")
        await asyncio.sleep(0.05)
