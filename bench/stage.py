"""One stage of the bench by itself (`python -m bench.<stage>`), on a private Redis it starts,
and the line that says which machine gave its figures."""

import asyncio
import os
import platform
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

import uvloop

from shared.redis_server import RedisServer


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{os.cpu_count()} cores, {model}, Python {platform.python_version()}, load {load}"


def alone(measure: Callable[[str, Path], Awaitable[dict[str, float]]]) -> None:
    """One stage by itself (`python -m bench.<stage>`), on a private Redis it starts: the
    machine and the stage's figures."""
    with tempfile.TemporaryDirectory(prefix="jasa-bench-") as scratch:
        server = RedisServer(Path(scratch) / "redis", durable=False).start()
        try:
            asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
            figures = asyncio.run(measure(server.url, Path(scratch)))
        finally:
            server.stop()
    print(machine())
    for name, value in figures.items():
        print(f"{name:40} {value:14,.2f}")
