"""The processes of one service (`jasa serve --workers N`): each listens on a socket of its
own, bound to the same address with SO_REUSEPORT, so that the kernel spreads connections
over them evenly. With one shared socket (uvicorn's `--workers`), the process that wakes
first accepts every connection of a burst, and one of two processes ended up serving 16 of
20 officers while the other idled.

The first process supervises the others: it restarts one that dies, and on SIGTERM or
Ctrl-C stops them all. Each dies with it if it is killed."""

import contextlib
import ctypes
import multiprocessing
import signal
import socket
import sys
import time
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from types import FrameType

import uvicorn

STARTING_S = 10.0


class WorkerFailed(Exception):
    pass


@dataclass(frozen=True)
class Listener:
    service: str
    host: str
    port: int
    log_level: str
    access_log: bool = True

    @property
    def app(self) -> str:
        return f"services.{self.service}.main:create_app"


def listening_socket(host: str, port: int, *, shared: bool) -> socket.socket:
    """A socket bound to host:port; `shared`: one that the service's other processes bind as
    well (SO_REUSEPORT). Unshared, a port that anything else holds is refused."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if shared:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(address)
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def serve_one(listener: Listener, *, shared: bool = False) -> None:
    """One process serving the service until SIGTERM or Ctrl-C (uvicorn's own handling)."""
    config = uvicorn.Config(
        listener.app,
        factory=True,
        host=listener.host,
        port=listener.port,
        log_level=listener.log_level,
        access_log=listener.access_log,
        proxy_headers=True,
        timeout_graceful_shutdown=5,
    )
    sock = listening_socket(listener.host, listener.port, shared=shared)
    uvicorn.Server(config).run(sockets=[sock])


def _worker(listener: Listener) -> None:
    if sys.platform == "linux":  # a supervisor killed outright takes its workers with it
        with contextlib.suppress(Exception):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)
    serve_one(listener, shared=True)


def serve(listener: Listener, workers: int) -> None:
    """`workers` processes serving the service; one serves in this process itself."""
    if workers == 1:
        serve_one(listener)
        return
    # Bound unshared first: a port that another program holds (even shared among its own
    # processes) is one clear error here, not one per process.
    listening_socket(listener.host, listener.port, shared=False).close()
    context = multiprocessing.get_context("spawn")
    stopping = False

    def stop(_number: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    previous = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT)}
    processes: list[BaseProcess] = []
    started: list[float] = []

    def start(n: int) -> None:
        process = context.Process(target=_worker, args=(listener,))
        process.start()
        processes[n : n + 1], started[n : n + 1] = [process], [time.monotonic()]

    try:
        for n in range(workers):
            start(n)
        while not stopping:
            time.sleep(0.5)
            for n, process in enumerate(processes):
                if stopping or process.is_alive():
                    continue
                # One that fails as it starts (an error exit, not a signal) would fail again:
                # that is the service's error, not one to retry for ever.
                failed = process.exitcode is not None and process.exitcode > 0
                if failed and time.monotonic() - started[n] < STARTING_S:
                    raise WorkerFailed(f"a process of {listener.service} exited as it started")
                print(
                    f"jasa serve: process {process.pid} of {listener.service} exited "
                    f"({process.exitcode}); starting another",
                    file=sys.stderr,
                    flush=True,
                )
                start(n)
    finally:
        for process in processes:
            if process.is_alive() and process.pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    process.terminate()
        deadline = time.monotonic() + 10
        for process in processes:
            process.join(max(0.1, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join()
        for number, handler in previous.items():
            signal.signal(number, handler)
