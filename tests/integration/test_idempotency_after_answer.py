"""Once a command's answer is sent, keeping its `Idempotency-Key` record may fail (Redis full,
gone), but that failure never reaches the server: uvicorn would close the connection, and
the next request the client had already sent on it (keep-alive) would get no answer at all.

Served by a real uvicorn on a Redis of the test's own: the test makes that Redis refuse
writes for being full (`maxmemory` with `noeviction`, as deployed) and holds writes back
for a moment (`CLIENT PAUSE ... WRITE`), so the record is refused while the next request
is still running on the same connection."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import APIRouter, FastAPI

from shared.http.deps import ContextDep
from shared.redis_server import RedisServer, free_port
from shared.service import ServiceSpec, create_service_app
from shared.settings import ServiceSettings

WRITES_HELD_MS = 300

router = APIRouter()


@router.post("/things", status_code=201)
async def make_thing(context: ContextDep) -> dict[str, str]:
    """A command whose Redis is full by the time its answer is to be kept."""
    await context.redis.config_set("maxmemory-policy", "noeviction")
    await context.redis.config_set("maxmemory", 1)
    await context.redis.execute_command("CLIENT", "PAUSE", WRITES_HELD_MS, "WRITE")
    return {"made": "thing-1"}


@router.get("/slow")
async def slow() -> dict[str, str]:
    """Still running when the record above is refused."""
    await asyncio.sleep(3 * WRITES_HELD_MS / 1000)
    return {"done": "yes"}


SPEC = ServiceSpec(name="probe", title="Jasa Dukcapil - probe", description="", routers=[router])


@contextlib.asynccontextmanager
async def served(app: FastAPI) -> AsyncIterator[str]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            assert not task.done(), "uvicorn did not start"
            await asyncio.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def test_a_record_refused_after_the_answer_leaves_the_connection_serving(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    redis = RedisServer(tmp_path / "redis", durable=False).start()
    settings = ServiceSettings(redis_url=redis.url, data_dir=tmp_path, secret="x" * 40)
    try:
        async with served(create_service_app(SPEC, settings)) as url:
            # One connection, so that both requests ride on it, one after the other.
            limits = httpx.Limits(max_connections=1)
            async with httpx.AsyncClient(base_url=url, limits=limits, timeout=10) as client:
                with caplog.at_level(logging.WARNING, logger="jasa.idempotency"):
                    made = await client.post("/things", headers={"Idempotency-Key": "k-1"})
                    assert made.status_code == 201, made.text
                    later = await client.get("/slow")
                assert later.status_code == 200, later.text
                assert later.json() == {"done": "yes"}
                assert any(
                    "was not recorded" in r.getMessage() and "OutOfMemoryError" in r.getMessage()
                    for r in caplog.records
                ), [r.getMessage() for r in caplog.records]

                # The record stayed "running": a retry with the key is told to wait, and
                # runs nothing twice.
                retried = await client.post("/things", headers={"Idempotency-Key": "k-1"})
                assert retried.status_code == 409, retried.text
    finally:
        redis.stop()
