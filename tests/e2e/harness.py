"""`jasa up` as a real process, for end-to-end tests: free ports, its own data dir, no
REDIS_URL (so it starts its own Redis), and the children it started, known by PID."""

import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil

from shared.redis_server import first_ephemeral_port, port_is_free
from shared.settings import SERVICE_PORTS

# Settings of the machine or of other tests that must not leak into the system under test.
FOREIGN = ("REDIS_URL", "DATABASE_URL", "JASA_", "INTAKE_", "APPROVAL_", "COURIER_", "REPORTING_")


def free_port_base() -> int:
    """A base whose four service ports (base+1 .. base+4) are all free just now, below the
    ports the kernel hands to outgoing connections: one of those can be taken by any
    client socket (of this suite's hundreds) between this check and the services' bind."""
    below = min(first_ephemeral_port(), 60000)
    for _ in range(200):
        base = random.randrange(10000, below - 10, 10)
        if all(port_is_free(base + n) for n in SERVICE_PORTS.values()):
            return base
    raise RuntimeError("no free port base found")


def free_service_port() -> int:
    """One free port for a service, chosen as `free_port_base` chooses them."""
    return free_port_base() + 1


def clean_environment(**settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(FOREIGN)}
    return {**env, **settings}


def wait_until(condition, timeout: float, what: str, interval: float = 0.1):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"gave up waiting: {what}")


@dataclass
class JasaUp:
    """One `jasa up` run on `data_dir`; `start()` returns once all four services are ready."""

    data_dir: Path
    port_base: int
    output_dir: Path
    settings: dict[str, str] = field(default_factory=dict)  # e.g. INTAKE_DATABASE_URL
    process: subprocess.Popen[bytes] | None = None
    children: list[psutil.Process] = field(default_factory=list)
    runs: int = 0

    @property
    def urls(self) -> dict[str, str]:
        return {
            name: f"http://127.0.0.1:{self.port_base + offset}"
            for name, offset in SERVICE_PORTS.items()
        }

    @property
    def output_file(self) -> Path:
        return self.output_dir / f"jasa-up-{self.runs}.out"

    def environment(self) -> dict[str, str]:
        return clean_environment(
            JASA_DATA_DIR=str(self.data_dir), JASA_PORT_BASE=str(self.port_base), **self.settings
        )

    def start(self, timeout: float = 60.0) -> "JasaUp":
        self.runs += 1
        with self.output_file.open("wb") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "services.cli", "up"],
                stdout=output,
                stderr=subprocess.STDOUT,
                env=self.environment(),
            )
        wait_until(self._all_ready, timeout, f"all four services ready; {self.output()}")
        wait_until(lambda: "Ctrl-C stops everything" in self.output(), timeout, "the welcome")
        self.children = psutil.Process(self.process.pid).children(recursive=True)
        return self

    def _all_ready(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(f"jasa up exited early:\n{self.output()}")
        with httpx.Client(timeout=2.0) as client:
            for url in self.urls.values():
                try:
                    if client.get(f"{url}/ready").status_code != 200:
                        return False
                except httpx.HTTPError:
                    return False
        return True

    def run(self, *arguments: str, timeout: float = 300.0) -> subprocess.CompletedProcess[str]:
        """Another `jasa` command against this system, as a second terminal would run it
        (e.g. `run("demo", "--applicants", "40")`, then restart and look again)."""
        return subprocess.run(
            [sys.executable, "-m", "services.cli", *arguments],
            env=self.environment(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def output(self) -> str:
        return self.output_file.read_text(errors="replace") if self.output_file.exists() else ""

    @property
    def redis_url(self) -> str:
        """The private Redis of this run, from the file `jasa up` writes while it runs."""
        return (self.data_dir / "redis" / "url").read_text().strip()

    def child_commands(self) -> list[str]:
        return [" ".join(child.cmdline()) for child in self.children]

    def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM, as a service manager would send; returns the exit code."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)

    def children_left(self, timeout: float = 10.0) -> list[psutil.Process]:
        """The children of this run still alive after `timeout` (zombies count as gone)."""
        _, alive = psutil.wait_procs(self.children, timeout=timeout)
        return [p for p in alive if _really_alive(p)]


def _really_alive(process: psutil.Process) -> bool:
    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
