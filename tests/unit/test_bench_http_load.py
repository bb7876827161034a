"""The bench's light HTTP client: keep-alive requests answered by Content-Length, a broken
connection an HttpError and the next call on a fresh one."""

import asyncio

import pytest

from bench.http_load import Client, HttpError


async def test_requests_go_over_kept_alive_connections_and_a_broken_one_is_replaced() -> None:
    accepted: list[int] = []
    seen: list[bytes] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(1)
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError:
                break
            length = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
            body = await reader.readexactly(length)
            seen.append(body)
            if body == b"hang up":
                writer.close()
                return
            answer = b'{"ok":' + body + b"}"
            head = b"HTTP/1.1 201 Created\r\ncontent-length: %d\r\n\r\n" % len(answer)
            writer.write(head + answer)
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client = Client(f"http://127.0.0.1:{port}", connections=1)
    try:
        headers = {"Content-Type": "application/json"}
        assert await client.send(client.request("POST", "/x", b"1", headers)) == (201, b'{"ok":1}')
        assert await client.send(client.request("POST", "/x", b"2", headers)) == (201, b'{"ok":2}')
        assert len(accepted) == 1  # both on one kept-alive connection
        with pytest.raises(HttpError):
            await client.send(client.request("POST", "/x", b"hang up", headers))
        assert await client.send(client.request("POST", "/x", b"3", headers)) == (201, b'{"ok":3}')
        assert len(accepted) == 2
        assert seen == [b"1", b"2", b"hang up", b"3"]
    finally:
        await client.aclose()
        server.close()
        await server.wait_closed()


async def test_a_call_given_up_on_frees_its_connection_for_a_fresh_one() -> None:
    # Before, a timed-out call kept its connection out of the pool for good: after as many
    # timeouts as connections, every later call waited for one and timed out too.
    accepted: list[int] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(1)
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
        if await reader.readexactly(length) == b"slow":
            await asyncio.sleep(5)  # answers too late, if ever
        writer.write(b"HTTP/1.1 201 Created\r\ncontent-length: 2\r\n\r\nok")
        await writer.drain()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client = Client(f"http://127.0.0.1:{port}", connections=1)
    try:
        headers = {"Content-Type": "text/plain"}
        for _ in range(3):
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(
                    client.send(client.request("POST", "/", b"slow", headers)), 0.1
                )
        answer = await asyncio.wait_for(client.send(client.request("POST", "/", b"go", headers)), 2)
        assert answer == (201, b"ok")
        assert len(accepted) == 4  # each given-up call's connection closed, a fresh one opened
    finally:
        await client.aclose()
        server.close()
        await server.wait_closed()
