"""/health says the process lives; /ready says whether it can work, and names what is missing:
the probes Kubernetes and compose use."""

from pathlib import Path

from shared.redis_server import free_port
from shared.service import ServiceSpec, create_service_app
from shared.settings import ServiceSettings
from tests.conftest import running

SPEC = ServiceSpec(name="probe", title="Jasa Dukcapil - probe", description="", routers=[])


async def test_ready_fails_and_names_redis_when_redis_is_unreachable(tmp_path: Path) -> None:
    settings = ServiceSettings(
        redis_url=f"redis://127.0.0.1:{free_port()}/0", data_dir=tmp_path, secret="x" * 40
    )
    async with running(create_service_app(SPEC, settings)) as client:
        assert (await client.get("/health")).status_code == 200
        ready = await client.get("/ready")
        assert ready.status_code == 503
        assert "redis" in ready.json()["detail"]
        assert "database" not in ready.json()["detail"]


async def test_ready_answers_when_redis_and_the_database_answer(
    redis_url: str, tmp_path: Path
) -> None:
    settings = ServiceSettings(redis_url=redis_url, data_dir=tmp_path, secret="x" * 40)
    async with running(create_service_app(SPEC, settings)) as client:
        ready = await client.get("/ready")
        assert ready.status_code == 200
        assert ready.json()["checks"] == {"redis": True, "database": True, "consumer": True}
