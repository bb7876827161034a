"""`jasa serve --workers N`: each process listens on its own socket (SO_REUSEPORT), so the
kernel spreads officers' connections over the processes; a port already held is one clear
error; a process that dies is replaced."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from shared.redis_server import free_port
from tests.conftest import SECRET
from tests.e2e.harness import clean_environment

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="SO_REUSEPORT spreads on Linux")


def serve(env: dict[str, str], port: int, workers: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as output:
        return subprocess.Popen(
            [sys.executable, "-m", "services.cli", "serve", "intake", "--port", str(port),
             "--workers", str(workers), "--no-access-log"],
            env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip


def wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"intake did not come up: {log.read_text()}")


def workers_of(supervisor: int) -> set[int]:
    found = subprocess.run(["pgrep", "-P", str(supervisor)], capture_output=True, text=True)
    children = {int(pid) for pid in found.stdout.split()}
    # multiprocessing's resource tracker is a child too, but it never listens.
    return {pid for pid in children if "multiprocessing.resource_tracker" not in _cmdline(pid)}


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except FileNotFoundError:
        return ""


def connection_owners(port: int, count: int) -> list[int]:
    """Open `count` connections at once; the pid of the process that accepted each."""
    sockets = [socket.create_connection(("127.0.0.1", port)) for _ in range(count)]
    try:
        # A connection still in the listening socket's queue has no process yet: on a busy
        # machine the workers may take a while to accept them all.
        deadline = time.monotonic() + 30
        while True:
            listing = subprocess.run(
                ["ss", "-Htnp", "state", "established", f"( sport = :{port} )"],
                capture_output=True, text=True, check=True,
            ).stdout.splitlines()  # fmt: skip
            if all("pid=" in line for line in listing) or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert all("pid=" in line for line in listing), f"not all accepted in 30 s: {listing}"
        return [int(line.split("pid=")[1].split(",")[0]) for line in listing]
    finally:
        for sock in sockets:
            sock.close()


@pytest.fixture
def env(redis_url: str, key_prefix: str, tmp_path: Path) -> dict[str, str]:
    return clean_environment(
        REDIS_URL=redis_url,
        JASA_KEY_PREFIX=key_prefix,
        JASA_DATA_DIR=str(tmp_path / "var"),
        JASA_SECRET=SECRET,
        JASA_OFFICE="1471",
    )


@pytest.fixture
def two_processes(env: dict[str, str], tmp_path: Path) -> Iterator[tuple[int, int, Path]]:
    port, log = free_port(), tmp_path / "intake.log"
    process = serve(env, port, 2, log)
    try:
        wait_until_up(f"http://127.0.0.1:{port}", process, log)
        yield process.pid, port, log
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_connections_opened_at_once_are_spread_over_the_processes(
    two_processes: tuple[int, int, Path],
) -> None:
    supervisor, port, _ = two_processes
    workers = workers_of(supervisor)
    assert len(workers) == 2
    owners = connection_owners(port, 40)
    assert len(owners) == 40
    assert set(owners) == workers
    # Spread by the kernel's hash, not one process taking the whole burst: with 40 at
    # once, each of two takes 10 or more short of a freak of chance (p < 0.001).
    assert min(owners.count(pid) for pid in workers) >= 10, owners


def test_a_process_that_dies_is_replaced(two_processes: tuple[int, int, Path]) -> None:
    supervisor, port, log = two_processes
    before = workers_of(supervisor)
    os.kill(min(before), signal.SIGKILL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        now = workers_of(supervisor)
        if len(now) == 2 and now != before:
            break
        time.sleep(0.2)
    assert len(now) == 2 and min(before) not in now, log.read_text()
    assert "starting another" in log.read_text()
    assert httpx.get(f"http://127.0.0.1:{port}/health", timeout=5).status_code == 200


def test_a_port_already_held_is_one_clear_error(env: dict[str, str], tmp_path: Path) -> None:
    held = socket.socket()
    held.bind(("127.0.0.1", 0))
    held.listen()
    port, log = held.getsockname()[1], tmp_path / "intake.log"
    try:
        process = serve(env, port, 2, log)
        assert process.wait(60) == 1
    finally:
        held.close()
    said = log.read_text()
    assert f"cannot listen on 127.0.0.1:{port}" in said
    assert said.count("cannot listen") == 1


def test_a_wrong_setting_is_one_clear_error(env: dict[str, str], tmp_path: Path) -> None:
    log = tmp_path / "intake.log"
    process = serve({**env, "JASA_OFFICE": "not-an-office"}, free_port(), 2, log)
    assert process.wait(60) == 1, log.read_text()
    said = log.read_text()
    assert "a setting is wrong" in said and "not 'not-an-office'" in said
    assert "Traceback" not in said


def test_a_service_that_cannot_start_stops_the_whole_serve(
    env: dict[str, str], tmp_path: Path
) -> None:
    log = tmp_path / "intake.log"
    unwritable = tmp_path / "a-file"
    unwritable.write_text("not a folder")
    # The settings are valid; the service fails as it opens its database.
    broken = {**env, "INTAKE_DATABASE_URL": f"sqlite+aiosqlite:///{unwritable}/intake.db"}
    process = serve(broken, free_port(), 2, log)
    assert process.wait(90) == 1, log.read_text()
    assert "a process of intake exited as it started" in log.read_text()
