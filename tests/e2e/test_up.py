"""`jasa up` as a person runs it: it starts its own durable Redis and the four services,
stops them all on SIGTERM leaving no process behind, and a second start on the same data
dir finds everything the first one kept.

Once the services have their endpoints, the restart test grows naturally: `system.run("demo",
"--applicants", "40")` before the stop, and after the restart every dossier and control card
of that day still answers (`system.urls`, tokens from `system.run("token", ...)`)."""

import asyncio
import os
import signal
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from redis.asyncio import Redis

from shared.http.auth import verify_token
from shared.keys import Keys
from shared.log import EventLog
from tests import factories
from tests.e2e.harness import JasaUp, clean_environment, free_port_base, wait_until

pytestmark = pytest.mark.e2e


@pytest.fixture
def system(tmp_path: Path) -> Iterator[JasaUp]:
    up = JasaUp(data_dir=tmp_path / "var", port_base=free_port_base(), output_dir=tmp_path)
    yield up
    if up.process is not None and up.process.poll() is None:
        up.stop()


def append_registrations(redis_url: str, count: int) -> list[str]:
    """Events written straight into the office's log, as a service would write them."""

    async def append() -> list[str]:
        redis = Redis.from_url(redis_url)
        log = EventLog(redis, Keys("1471"))
        ids = []
        for _ in range(count):
            event = factories.registered()
            await log.append(event.stream_id, [event], expected_version=0)
            ids.append(event.stream_id)
        await redis.aclose()
        return ids

    return asyncio.run(append())


def streams_in_log(redis_url: str, stream_ids: list[str]) -> dict[str, int]:
    async def load() -> dict[str, int]:
        redis = Redis.from_url(redis_url)
        log = EventLog(redis, Keys("1471"))
        found = {stream_id: len(await log.load(stream_id)) for stream_id in stream_ids}
        await redis.aclose()
        return found

    return asyncio.run(load())


def test_up_starts_everything_stops_cleanly_and_a_restart_loses_nothing(system: JasaUp) -> None:
    system.start()
    output = system.output()
    for url in system.urls.values():
        assert f"{url}/docs" in output
    assert "jasa token FO --officer-id" in output
    assert str(system.data_dir / "logs") in output
    commands = system.child_commands()
    assert sum("uvicorn" in command for command in commands) == 4
    assert sum("redis-server" in command for command in commands) == 1
    secret = (system.data_dir / "secret").read_text()
    pii_key = (system.data_dir / "pii.key").read_text()
    assert stat.S_IMODE((system.data_dir / "pii.key").stat().st_mode) == 0o600

    written = append_registrations(system.redis_url, 3)

    assert system.stop() == 0
    assert system.children_left() == []
    assert "Stopped" in system.output()

    system.start()
    assert streams_in_log(system.redis_url, written) == dict.fromkeys(written, 1)
    token = system.run("token", "FO", "--officer-id", "198001012005011001", "--name", "Siti")
    assert verify_token(token.stdout.strip(), secret).name == "Siti"
    assert (system.data_dir / "intake.db").exists()
    assert (system.data_dir / "reporting.db").exists()
    assert (system.data_dir / "secret").read_text() == secret
    assert (system.data_dir / "pii.key").read_text() == pii_key
    for service in ("intake", "approval", "courier", "reporting"):
        assert (system.data_dir / "logs" / f"{service}.log").read_text().count("starting") == 2
    assert system.stop() == 0
    assert system.children_left() == []


def test_a_service_that_dies_is_named_and_the_rest_are_stopped(system: JasaUp) -> None:
    system.start()
    courier = next(c for c in system.children if "services.courier" in " ".join(c.cmdline()))

    os.kill(courier.pid, signal.SIGKILL)

    assert system.process is not None
    assert system.process.wait(30) == 1
    assert "the courier service exited" in system.output()
    assert system.children_left() == []


def test_a_taken_port_is_named_before_anything_starts(tmp_path: Path) -> None:
    base = free_port_base()
    data_dir = tmp_path / "var"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", base + 2))
        taken.listen()
        result = subprocess.run(
            [sys.executable, "-m", "services.cli", "up"],
            env=clean_environment(JASA_DATA_DIR=str(data_dir), JASA_PORT_BASE=str(base)),
            capture_output=True,
            text=True,
            timeout=60,
        )

    assert result.returncode == 1
    assert f"port {base + 2} (approval) is already in use" in result.stderr
    assert not (data_dir / "redis").exists()
    assert not (data_dir / "logs").exists()
    assert processes_mentioning(f"--port {base + 1}", str(data_dir)) == []


def test_a_second_up_on_the_same_data_dir_is_refused(system: JasaUp) -> None:
    system.start()
    other_base = free_port_base()
    result = subprocess.run(
        [sys.executable, "-m", "services.cli", "up"],
        env=clean_environment(JASA_DATA_DIR=str(system.data_dir), JASA_PORT_BASE=str(other_base)),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "another `jasa up`" in result.stderr
    wait_until(lambda: system._all_ready(), 10, "the first system still ready")


def processes_mentioning(*needles: str) -> list[str]:
    found = []
    for process in psutil.process_iter(["cmdline"]):
        command = " ".join(process.info["cmdline"] or [])
        if any(needle in command for needle in needles) and "pytest" not in command:
            found.append(command)
    return found


def test_after_up_is_killed_its_services_stop_and_the_next_up_takes_over_its_redis(
    system: JasaUp,
) -> None:
    system.start()
    written = append_registrations(system.redis_url, 2)
    redis = next(c for c in system.children if "redis-server" in " ".join(c.cmdline()))
    services = [c for c in system.children if c is not redis]
    assert system.process is not None

    system.process.kill()  # no chance to clean up: an OOM kill, kill -9
    system.process.wait()

    _, alive = psutil.wait_procs(services, timeout=15)
    assert alive == []  # they follow their parent (parent-death signal)
    assert redis.is_running()
    system.start()
    assert "left running by an earlier `jasa up` was shut down" in system.output()
    assert not redis.is_running() or redis.status() == psutil.STATUS_ZOMBIE
    assert streams_in_log(system.redis_url, written) == dict.fromkeys(written, 1)
    assert system.stop() == 0
    assert system.children_left() == []
