"""A command sent while Redis cannot be reached gets a clear 503 problem, with or without an
`Idempotency-Key` (whose records live in Redis too), never a 500, and the OpenAPI document
declares it."""

from pathlib import Path

import pytest
from fastapi import APIRouter

from shared.http.deps import ContextDep
from shared.redis_server import free_port
from shared.service import ServiceSpec, create_service_app
from shared.settings import ServiceSettings
from tests.conftest import running
from tests.openapi_support import assert_answers_as_declared

router = APIRouter()


@router.post("/things", status_code=201)
async def make_thing(context: ContextDep) -> dict[str, int]:
    """A command: it reads the log before it writes."""
    return {"version": await context.log.version("thing-1")}


SPEC = ServiceSpec(name="probe", title="Jasa Dukcapil - probe", description="", routers=[router])


@pytest.mark.parametrize("idempotency_key", [None, "retry-me-7"])
async def test_a_command_while_redis_is_down_is_a_503_problem(
    tmp_path: Path, idempotency_key: str | None
) -> None:
    settings = ServiceSettings(
        redis_url=f"redis://127.0.0.1:{free_port()}/0", data_dir=tmp_path, secret="x" * 40
    )
    headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
    async with running(create_service_app(SPEC, settings)) as client:
        answer = await client.post("/things", json={}, headers=headers)
        document = (await client.get("/openapi.json")).json()
    assert answer.status_code == 503
    assert answer.headers["retry-after"] == "2"
    assert "nothing was written, try again" in answer.json()["detail"]
    assert_answers_as_declared(document, "post", "/things", answer)
