"""A TCP relay in front of the PostgreSQL server, for tests of a database that goes away and
comes back (the `relay` fixture of tests/conftest.py starts one)."""

import asyncio
import contextlib

from sqlalchemy.engine import make_url


class Relay:
    """Closing it is the server going away (open connections cut, new ones refused);
    opening it again on its port brings it back."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = 0
        self.server: asyncio.Server | None = None
        self.links: set[asyncio.StreamWriter] = set()

    def url_for(self, url: str) -> str:
        """`url` (a database on the relayed server) reached through the relay."""
        relayed = make_url(url).set(host="127.0.0.1", port=self.port)
        return relayed.render_as_string(hide_password=False)

    async def open(self) -> None:
        self.server = await asyncio.start_server(self._link, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        assert self.server is not None
        self.server.close()
        for writer in self.links:
            writer.transport.abort()
        self.links.clear()
        await self.server.wait_closed()

    async def _link(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        server_r, server_w = await asyncio.open_connection(*self.target)
        self.links |= {client_w, server_w}
        await asyncio.gather(_pipe(client_r, server_w), _pipe(server_r, client_w))


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError):
        while chunk := await reader.read(65536):
            writer.write(chunk)
            await writer.drain()
    writer.close()
