"""Every service answers /health, /ready and /asyncapi.json (the channels of every office it
serves), and refuses calls without a token."""

import asyncio
import gc
import importlib

import pytest

from shared.keys import Keys
from shared.service import build_context
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
        assert f"{service_env['JASA_KEY_PREFIX']}jasa:{{1471}}:log" in document["channels"]
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
    logs = {keys.log for keys in offices}
    feeds = {keys.courier_feed for keys in offices} if service == "courier" else set()
    assert set(document["channels"]) == logs | feeds
    assert f"{service_env['JASA_KEY_PREFIX']}jasa:{{1401}}:log" in document["channels"]
    for name in logs:
        channel = document["channels"][name]
        operations = [
            channel[op]["message"]["oneOf"] for op in ("publish", "subscribe") if op in channel
        ]
        assert operations and all(
            list(item) == ["$ref"] for items in operations for item in items
        ), "channels reference their messages"
    assert dangling(document) == []
    # declared once for all offices: one message per event (and the feed's entry)
    spec = importlib.import_module(f"services.{service}.main").SPEC
    messages = document["components"]["messages"]
    declared = {event.type_name() for event in (*spec.publishes, *spec.consumes)}
    assert set(messages) == declared | ({"CourierFeedEntry"} if service == "courier" else set())
    for message in messages.values():
        payload = message["payload"]
        data = payload["allOf"][1]["properties"]["data"] if "allOf" in payload else payload
        assert list(data) == ["$ref"], f"{message['name']}: its payload schema is referenced"


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
