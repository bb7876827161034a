"""The tracking page counts lookups per client address in Redis: more than 20 a minute get
429, wherever the lookups land among the reporting service's processes."""

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

import httpx

from services.reporting.main import create_app

JSON = {"Accept": "application/json"}
HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}  # as a browser asks


@contextlib.asynccontextmanager
async def reporting_process(address: str) -> AsyncIterator[httpx.AsyncClient]:
    """One reporting app (its own clients and pools, as a process has), called from `address`."""
    app = create_app()
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=(address, 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://reporting") as client:
            yield client


async def a_fresh_minute() -> None:
    """The count is per minute: start where 21 lookups all fall into one."""
    into_minute = time.time() % 60
    if into_minute > 50:
        await asyncio.sleep(60.5 - into_minute)


async def test_more_than_twenty_lookups_a_minute_from_one_address_get_429(
    service_env: dict[str, str],
) -> None:
    async with (
        reporting_process("203.0.113.7") as first,
        reporting_process("203.0.113.7") as second,
        reporting_process("198.51.100.2") as neighbour,
    ):
        await a_fresh_minute()
        answers = [
            await (first if n % 2 else second).get(f"/lacak/K7MW3QXP9R{n:02d}", headers=JSON)
            for n in range(20)
        ]
        assert {answer.status_code for answer in answers} == {404}

        limited = await first.get("/lacak/K7MW3QXP9RHT", headers=JSON)
        assert limited.status_code == 429
        assert limited.headers["content-type"] == "application/problem+json"
        assert 0 < int(limited.headers["retry-after"]) <= 60
        as_page = await second.get("/lacak/K7MW3QXP9RHT", headers=HTML)
        assert as_page.status_code == 429
        assert '<html lang="id">' in as_page.text and "Terlalu banyak" in as_page.text

        other_address = await neighbour.get("/lacak/K7MW3QXP9RHT", headers=JSON)
        assert other_address.status_code == 404
