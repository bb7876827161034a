"""What `jasa up` runs: the private Redis (unless REDIS_URL names one) and the four services
as child processes, started in order, watched, and stopped in order (services first, then
the Redis it started) so that nothing is left behind and nothing written is lost.

Signals only set `stop_requested`; every wait below polls it, so a Ctrl-C at any moment
leads to the same orderly stop."""

import contextlib
import fcntl
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from services.cli.service_process import ServiceProcess, answers
from services.reporting.config import ReportingSettings
from services.reporting.sealing import load_or_create_signing_key
from shared.identity import InsecureSecret, load_or_create_secret
from shared.master_key import InsecureKey, load_or_create_master_key
from shared.redis_server import RedisServer, lasting_port, port_is_free
from shared.settings import SERVICE_PORTS, CommonSettings


class UpError(Exception):
    """Something a person must fix before the system can run; the message says what."""


class PortTaken(UpError):
    def __init__(self, port: int, service: str) -> None:
        super().__init__(
            f"port {port} ({service}) is already in use; stop what listens there "
            f"or choose other ports with JASA_PORT_BASE"
        )
        self.port, self.service = port, service


class RedisPortTaken(UpError):
    def __init__(self, port: int, port_file: Path) -> None:
        super().__init__(
            f"port {port}, where the private Redis of this data dir always listens, is taken "
            "by something else. It is not moved to another port, as the URLs given out (`jasa "
            "courier provision`) name this one: stop what listens there, or delete "
            f"{port_file} to let `jasa up` choose another (and provision the courier again)"
        )
        self.port = port


class Interrupted(UpError):
    """Ctrl-C or SIGTERM arrived while starting."""


@dataclass
class Installation:
    """One local installation: its data dir, its Redis, its four services."""

    settings: CommonSettings
    host: str = "127.0.0.1"
    stop_requested: threading.Event = field(default_factory=threading.Event)
    redis_server: RedisServer | None = None
    redis_url: str = ""
    services: list[ServiceProcess] = field(default_factory=list)
    orphan_shut_down: bool = False
    _lock: IO[str] | None = None

    def __post_init__(self) -> None:
        self.data_dir = Path(self.settings.data_dir).resolve()
        self.services = [
            ServiceProcess(
                name,
                self.host,
                self.settings.port_base + offset,
                self.data_dir / "logs" / f"{name}.log",
            )
            for name, offset in SERVICE_PORTS.items()
        ]

    # --- starting -------------------------------------------------------------------

    @property
    def redis_dir(self) -> Path:
        return self.data_dir / "redis"

    @property
    def redis_url_file(self) -> Path:
        """Written while the private Redis runs: how other commands find it."""
        return self.redis_dir / "url"

    @property
    def redis_port_file(self) -> Path:
        """Kept for good: the private Redis listens on the same port at every start."""
        return self.redis_dir / "port"

    def lock_data_dir(self) -> None:
        """Two `jasa up` on one data dir would run two Redis servers on one AOF."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        lock = (self.data_dir / "up.lock").open("a+")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            lock.seek(0)
            holder = lock.read().strip() or "?"
            lock.close()
            raise UpError(
                f"another `jasa up` (pid {holder}) is already running on {self.data_dir}"
            ) from None
        lock.seek(0)
        lock.truncate()
        lock.write(str(os.getpid()))
        lock.flush()
        self._lock = lock

    def check_ports(self) -> None:
        for service in self.services:
            if not port_is_free(service.port, self.host):
                raise PortTaken(service.port, service.name)

    def prepare_secret(self) -> None:
        """Created once, here, so the four services (started at once) share one secret and
        one master key of the personal data. In production a generated or example secret,
        or a missing key (reporting's signing key too), is refused before anything starts."""
        settings = self.settings.model_copy(update={"data_dir": self.data_dir})
        try:
            load_or_create_secret(settings)
            load_or_create_master_key(settings)
            if settings.env == "production":
                reporting = ReportingSettings(data_dir=self.data_dir, env=settings.env)
                load_or_create_signing_key(reporting)  # in production: given, or refused
        except (InsecureSecret, InsecureKey) as error:
            raise UpError(f"refusing to start: {error}") from None

    def start_redis(self) -> str:
        """REDIS_URL when given, else a private durable Redis (AOF, fsync always) in data dir."""
        if self.settings.redis_url:
            self.redis_url = self.settings.redis_url
            return self.redis_url
        self.orphan_shut_down = self._shut_down_orphaned_redis()
        port = lasting_port(self.redis_port_file, frozenset(s.port for s in self.services))
        if not self._port_frees(port):
            raise RedisPortTaken(port, self.redis_port_file)
        self.redis_server = RedisServer(self.redis_dir, port=port, durable=True).start()
        self.redis_url = self.redis_server.url
        self.redis_url_file.write_text(self.redis_url + "\n")
        return self.redis_url

    def _port_frees(self, port: int, within: float = 10.0) -> bool:
        """Whether `port` is free, or frees within moments (an orphaned Redis just shut down
        closes its socket as it exits)."""
        deadline = time.monotonic() + within
        while not port_is_free(port, self.host):
            if not self.orphan_shut_down or time.monotonic() > deadline:
                return False
            self.stop_requested.wait(0.1)
        return True

    def _shut_down_orphaned_redis(self) -> bool:
        """A Redis of this data dir left running by a `jasa up` that was killed: stop it cleanly
        (its AOF is ours) rather than start a second server on the same files."""
        if not self.redis_url_file.exists():
            return False
        url = self.redis_url_file.read_text().strip()
        client = redis.Redis.from_url(
            url, socket_connect_timeout=0.5, socket_timeout=2, retry=Retry(NoBackoff(), 0)
        )
        try:
            directory = client.config_get("dir").get("dir")
            if directory is None or Path(directory).resolve() != self.redis_dir.resolve():
                return False
            with contextlib.suppress(redis.RedisError):
                client.shutdown(nosave=False)
        except redis.RedisError:
            return False
        finally:
            client.close()
        self.redis_url_file.unlink(missing_ok=True)
        return True

    def service_environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            REDIS_URL=self.redis_url,
            JASA_DATA_DIR=str(self.data_dir),
            JASA_PORT_BASE=str(self.settings.port_base),
            PYTHONUNBUFFERED="1",
        )
        return env

    def start_services(self) -> None:
        env = self.service_environment()
        for service in self.services:
            self._check_interrupted()
            service.start(env)

    def wait_until_ready(self, timeout: float) -> None:
        """Each service answers /health, then /ready; a service that exits is named."""
        deadline = time.monotonic() + timeout
        waiting = {service.name: "/health" for service in self.services}
        with httpx.Client(timeout=2.0) as client:
            while waiting:
                self._check_interrupted()
                self._check_alive()
                for service in self.services:
                    path = waiting.get(service.name)
                    if path is None or not answers(client, service.url + path):
                        continue
                    if path == "/health":
                        waiting[service.name] = "/ready"
                    else:
                        del waiting[service.name]
                if not waiting:
                    return
                if time.monotonic() > deadline:
                    late = ", ".join(f"{name} ({path})" for name, path in waiting.items())
                    raise UpError(f"not ready after {timeout:.0f}s: {late}; see the logs")
                self.stop_requested.wait(0.1)

    def _check_interrupted(self) -> None:
        if self.stop_requested.is_set():
            raise Interrupted("stopped while starting")

    def _check_alive(self) -> None:
        dead = self.first_dead()
        if dead is not None:
            raise UpError(dead)

    # --- running --------------------------------------------------------------------

    def first_dead(self) -> str | None:
        """A sentence naming the first child that exited, or None while all run."""
        for service in self.services:
            code = service.exit_code
            if code is not None:
                tail = service.log_tail()
                return (
                    f"the {service.name} service exited (code {code}); "
                    f"its log is {service.log_path}" + (f"\n{tail}" if tail else "")
                )
        server = self.redis_server
        if server is not None and server.process is not None:
            code = server.process.poll()
            if code is not None:
                return f"the private Redis exited (code {code}); see {self.redis_dir / 'redis.log'}"
        return None

    def watch(self, interval: float = 0.5) -> str | None:
        """Block until a stop is requested (None) or a child dies (what died)."""
        while not self.stop_requested.wait(interval):
            dead = self.first_dead()
            if dead is not None:
                return dead
        return None

    # --- stopping -------------------------------------------------------------------

    def stop(self, timeout: float = 10.0) -> None:
        """Services first (SIGTERM, wait, then kill), then the Redis we started (SHUTDOWN)."""
        running = [s for s in self.services if s.process is not None and s.exit_code is None]
        for service in running:
            assert service.process is not None
            with contextlib.suppress(ProcessLookupError):
                service.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for service in self.services:
            if service.process is None:
                continue
            try:
                service.process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                service.process.kill()
                service.process.wait()
        if self.redis_server is not None:
            self.redis_server.stop(timeout)
            self.redis_url_file.unlink(missing_ok=True)
            self.redis_server = None
        if self._lock is not None:
            self._lock.close()
            self._lock = None


@contextlib.contextmanager
def stop_on_signals(stop_requested: threading.Event) -> Iterator[None]:
    """SIGINT, SIGTERM and SIGHUP ask for an orderly stop instead of killing the supervisor."""
    wanted = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {number: signal.getsignal(number) for number in wanted}

    def request_stop(_number: int, _frame: object) -> None:
        stop_requested.set()

    for number in wanted:
        signal.signal(number, request_stop)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
