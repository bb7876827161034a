"""Every service answers /health, /ready and /asyncapi.json (the channels of every office it
serves), and refuses calls without a token."""

import asyncio
import gc
import importlib

import pytest

from shared.context import build_context
from shared.keys import Keys
from shared.settings import ServiceSettings
from tests.asyncapi_support import dangling
from tests.conftest import running

SERVICES = ["intake", "approval", "courier", "reporting"]


@pytest.mark.parametrize("service", SERVICES)
async def test_every_service_is_alive_ready_and_documents_its_events(
    service: str, service_env: dict[str, str]
) -> None:
    app = importlib.import_module(f"services.{service}.main").create_app()
    async with running(app) as client:
        assert (await client.get("/health")).json() == {"status": "ok", "service": service}
        ready = await client.get("/ready")
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"]["redis"] is True
        document = (await client.get("/asyncapi.json")).json()
        assert document["asyncapi"].startswith("2.")
        bound = [c["bindings"]["redis"]["channel"] for c in document["channels"].values()]
        assert f"{service_env['JASA_KEY_PREFIX']}jasa:{{1471}}:log" in bound
        openapi = (await client.get("/openapi.json")).json()
        assert openapi["info"]["title"].startswith("Jasa Dukcapil")
        # what the service loaded at start is left out of later collections (no long pauses)
        assert gc.get_freeze_count() > 10_000


@pytest.mark.parametrize("service", SERVICES)
async def test_the_events_document_names_the_channels_of_every_office_served(
    service: str, service_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JASA_OFFICES", "1471,1401")
    app = importlib.import_module(f"services.{service}.main").create_app()
    async with running(app) as client:
        document = (await client.get("/asyncapi.json")).json()
    offices = [Keys(office, service_env["JASA_KEY_PREFIX"]) for office in ("1471", "1401")]
    bound = {
        (channel["bindings"]["redis"]["channel"], channel["bindings"]["redis"]["method"])
        for channel in document["channels"].values()
    }
    spec = importlib.import_module(f"services.{service}.main").SPEC
    expected = {(keys.log, "xreadgroup") for keys in offices}
    expected |= {(keys.log, "xadd") for keys in offices} if spec.publishes else set()
    expected |= {(keys.courier_feed, "xadd") for keys in offices} if spec.feed else set()
    assert bound == expected
    assert dangling(document) == []
    appends = [
        c for c in document["channels"].values() if c["bindings"]["redis"]["method"] == "xadd"
    ]
    for event in spec.publishes:
        assert all(
            event.type_name() in c["description"]
            for c in appends
            if "log" in c["bindings"]["redis"]["channel"]
        )


async def test_a_service_keeps_more_commands_in_flight_than_redis_py_allows_by_default(
    service_env: dict[str, str],
) -> None:
    # redis-py 8 refuses the 101st command in flight at once; a busy service goes past that.
    context = build_context(ServiceSettings())
    try:
        answers = await asyncio.gather(*(context.redis.ping() for _ in range(150)))
    finally:
        await context.redis.aclose()
    assert answers == [True] * 150
