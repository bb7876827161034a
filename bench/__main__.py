"""`make bench`: runs against a private Redis it starts, prints a table, and prints as its
last line one JSON object of ratios and figures, all measured in this run."""

import asyncio
import json
import platform
import tempfile
from pathlib import Path

from redis.asyncio import Redis
from rich.console import Console
from rich.table import Table

from bench import append
from shared.redis_server import RedisServer


async def run(url: str) -> dict[str, float]:
    redis = Redis.from_url(url)
    try:
        return await append.measure(redis)
    finally:
        await redis.aclose()


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        server = RedisServer(Path(scratch), durable=False).start()
        try:
            figures = asyncio.run(run(server.url))
        finally:
            server.stop()
    table = Table(title=f"Jasa Dukcapil benchmarks ({platform.machine()}, {platform.node()})")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for name, value in figures.items():
        table.add_row(name, f"{value:,.2f}")
    Console().print(table)
    print(json.dumps({k: round(v, 3) for k, v in figures.items()}))


if __name__ == "__main__":
    main()
