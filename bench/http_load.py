"""A light HTTP/1.1 client for the load generator: keep-alive connections over asyncio
streams, each request's bytes made once, the answer read by its Content-Length.

httpx costs about 3 ms of CPU per request on this machine (0.6 of a core at 200 requests/s,
on the same two cores as the server it measures); this costs a few tens of microseconds, so
the figures are the server's and not the generator's."""

import asyncio
from collections.abc import Mapping
from urllib.parse import urlsplit


class HttpError(Exception):
    """The connection broke or the answer was not HTTP/1.1 as expected."""


class Client:
    """Up to `connections` keep-alive connections to one server; a call waits for a free one."""

    def __init__(self, base_url: str, connections: int = 64) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self._free: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter] | None]
        self._free = asyncio.Queue()
        for _ in range(connections):
            self._free.put_nowait(None)  # opened when first used
        self._open: list[asyncio.StreamWriter] = []

    def request(self, method: str, path: str, body: bytes, headers: Mapping[str, str]) -> bytes:
        """The bytes of one request, to be sent as many times as needed."""
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        lines += [f"Content-Length: {len(body)}", "", ""]
        return "\r\n".join(lines).encode("latin-1") + body

    async def send(self, request: bytes) -> tuple[int, bytes]:
        """Send a request made by `request`; its status and body."""
        connection = await self._free.get()
        try:
            if connection is None:
                connection = await asyncio.open_connection(self.host, self.port)
                self._open.append(connection[1])
            reader, writer = connection
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status, length = _status_and_length(head)
            body = await reader.readexactly(length)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as error:
            self._discard(connection)
            raise HttpError(f"{type(error).__name__}: {error}") from error
        except asyncio.CancelledError:
            # Given up on (a timeout): the answer may still come on this connection and would
            # be read as the next request's, so it is closed, and its slot freed for a fresh one.
            self._discard(connection)
            raise
        self._free.put_nowait(connection)
        return status, body

    def _discard(
        self, connection: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None
    ) -> None:
        if connection is not None:
            connection[1].close()
        self._free.put_nowait(None)  # a fresh one next time

    async def aclose(self) -> None:
        for writer in self._open:
            writer.close()
        self._open.clear()


def _status_and_length(head: bytes) -> tuple[int, int]:
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    try:
        status = int(status_line.split(" ", 2)[1])
    except (IndexError, ValueError) as error:
        raise HttpError(f"not an HTTP answer: {status_line!r}") from error
    for line in header_lines:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            return status, int(value)
    raise HttpError("an answer without Content-Length (chunked answers are not read here)")
