"""`jasa serve SERVICE` runs one service alone (as in a container), and `jasa up` uses the
Redis that REDIS_URL names instead of starting its own."""

import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.e2e.harness import (
    JasaUp,
    clean_environment,
    free_port_base,
    free_service_port,
    wait_until,
)

pytestmark = pytest.mark.e2e


def answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


JASA = [sys.executable, "-m", "services.cli"]


@pytest.mark.parametrize(("service", "workers"), [("reporting", "1"), ("intake", "2")])
def test_serve_runs_one_service_in_the_foreground_until_sigterm(
    service: str, workers: str, redis_url: str, key_prefix: str, tmp_path: Path
) -> None:
    port = free_service_port()
    env = clean_environment(
        REDIS_URL=redis_url, JASA_KEY_PREFIX=key_prefix, JASA_DATA_DIR=str(tmp_path / "var")
    )
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [*JASA, "serve", service, "--port", str(port), "--workers", workers],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until(lambda: answers(f"http://127.0.0.1:{port}/ready"), 90, f"{service} ready")
        health = httpx.get(f"http://127.0.0.1:{port}/health").json()
        assert health == {"status": "ok", "service": service}
        started = "Application startup complete"
        wait_until(lambda: log.read_text().count(started) == int(workers), 90, "every worker")
    finally:
        server.send_signal(signal.SIGTERM)
        # uvicorn shuts down gracefully, then ends by the signal it caught (exit 143 in a container)
        assert server.wait(30) in (0, -signal.SIGTERM)
    assert log.read_text().count("Application shutdown complete") == int(workers)


@pytest.mark.parametrize(
    ("settings", "complaint"),
    [
        ({}, "REDIS_URL is not set"),
        ({"REDIS_URL": "redis://127.0.0.1:1/0", "JASA_ENV": "production"}, "JASA_SECRET must"),
        (
            {
                "REDIS_URL": "redis://127.0.0.1:1/0",
                "JASA_ENV": "production",
                "JASA_SECRET": "a-long-production-secret-0123456789abcdef",
            },
            "JASA_PII_KEY must",
        ),
    ],
)
def test_serve_refuses_to_start_without_what_it_needs(
    settings: dict[str, str], complaint: str, tmp_path: Path
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "services.cli", "serve", "intake"],
        env=clean_environment(JASA_DATA_DIR=str(tmp_path), **settings),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert complaint in result.stderr


def test_up_uses_the_redis_that_redis_url_names(
    redis_url: str, key_prefix: str, tmp_path: Path
) -> None:
    up = JasaUp(data_dir=tmp_path / "var", port_base=free_port_base(), output_dir=tmp_path)
    up.environment = lambda: clean_environment(  # type: ignore[method-assign]
        REDIS_URL=redis_url,
        JASA_KEY_PREFIX=key_prefix,
        JASA_DATA_DIR=str(up.data_dir),
        JASA_PORT_BASE=str(up.port_base),
    )
    up.start()
    try:
        assert not any("redis-server" in command for command in up.child_commands())
        assert "(REDIS_URL)" in up.output()
        assert not (up.data_dir / "redis").exists()
    finally:
        assert up.stop() == 0
    assert up.children_left() == []
