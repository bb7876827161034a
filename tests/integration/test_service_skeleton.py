"""Every service answers /health, /ready and /asyncapi.json, and refuses calls without a token."""

import gc
import importlib

import pytest

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
