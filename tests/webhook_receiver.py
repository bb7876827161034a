"""A real receiver of the office's webhooks for the tests: the example courier receiver
(`examples/courier_webhook_receiver.py`, which verifies and applies each message once) on
the loopback, served by uvicorn in a thread of its own, so that sync end-to-end tests and
async ones use it alike. Before it, a script of faults: each call takes the next answer
(`"500"`, `"410"`, `"503 retry-after=2"`, or `"late"`: the example applies the message
but its answer comes after the sender gave up); when the script is empty the example
answers. Every call is kept as it came."""

import asyncio
import collections
import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from examples.courier_webhook_receiver import create_app

PATH = "/webhooks/jasa-dukcapil"


@dataclass(frozen=True)
class Call:
    headers: dict[str, str]
    body: bytes
    answer: str  # the scripted answer, or "example"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Faults:
    """ASGI: the scripted answers in front of the example receiver."""

    def __init__(self, hang_s: float) -> None:
        self.inner: ASGIApp | None = None
        self.hang_s = hang_s
        self.script: collections.deque[str] = collections.deque()
        self.calls: list[Call] = []
        self.lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert self.inner is not None, "the receiver runs with the example app behind it"
        if scope["type"] != "http" or scope["path"] != PATH:
            await self.inner(scope, receive, send)
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        with self.lock:
            answer = self.script.popleft() if self.script else "example"
            headers = {k.decode(): v.decode() for k, v in scope["headers"]}
            self.calls.append(Call(headers, body, answer))
        if answer in ("example", "late"):

            async def replay() -> Message:
                return {"type": "http.request", "body": body, "more_body": False}

            async def late(message: Message) -> None:
                if message["type"] == "http.response.start":
                    await asyncio.sleep(self.hang_s)
                await send(message)

            await self.inner(scope, replay, late if answer == "late" else send)
            return
        status, *options = answer.split()
        extra = [(b"retry-after", o.split("=")[1].encode()) for o in options if "retry-after" in o]
        await send({"type": "http.response.start", "status": int(status), "headers": extra})
        await send({"type": "http.response.body", "body": b""})


class Receiver:
    """Its URL is known before it starts (an endpoint is added with it, and the secret that
    comes back is what the receiver verifies with); a restart keeps what it applied."""

    def __init__(self, directory: Path, hang_s: float = 5.0) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.database = directory / "receiver.db"
        self.faults = Faults(hang_s)
        self.port = free_port()
        self.example: Any = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{PATH}"

    @property
    def calls(self) -> list[Call]:
        with self.faults.lock:
            return list(self.faults.calls)

    def answer_next(self, *answers: str) -> None:
        with self.faults.lock:
            self.faults.script.extend(answers)

    def events(self) -> list[dict[str, Any]]:
        """What the example receiver applied, once per `webhook-id`."""
        events: list[dict[str, Any]] = self.example.state.inbox.events()
        return events

    def start(self, secret: str) -> "Receiver":
        self.example = self.faults.inner = create_app(secret, self.database)
        config = uvicorn.Config(
            self.faults, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the receiver did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(10)
            self._server = self._thread = None


@contextlib.contextmanager
def stopped_at_the_end(receiver: Receiver) -> Iterator[Receiver]:
    try:
        yield receiver
    finally:
        receiver.stop()
