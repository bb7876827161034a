"""One service of `jasa up` as a child process (uvicorn), with its log file, and the check
around it: does a URL answer."""

import contextlib
import ctypes
import signal
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx


def _die_with_parent() -> None:
    """In the child: receive SIGTERM if `jasa up` itself dies without stopping us (Linux)."""
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@dataclass
class ServiceProcess:
    name: str
    host: str
    port: int
    log_path: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def command(self) -> list[str]:
        # As a container runs it (`jasa serve`), WEB_CONCURRENCY processes included.
        return [
            sys.executable,
            "-m",
            "services.cli",
            "serve",
            self.name,
            "--host",
            self.host,
            "--port",
            str(self.port),
        ]

    def start(self, env: dict[str, str]) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            stamp = datetime.now(UTC).isoformat(timespec="seconds")
            log.write(f"\n=== jasa up: {self.name} starting on {self.url} at {stamp}\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                self.command(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,  # Ctrl-C reaches `jasa up` only; it stops us in order
                preexec_fn=_die_with_parent if sys.platform == "linux" else None,
            )

    @property
    def exit_code(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def log_tail(self, lines: int = 15) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def answers(client: httpx.Client, url: str) -> bool:
    try:
        return client.get(url).status_code == 200
    except httpx.HTTPError:
        return False
