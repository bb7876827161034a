"""Messages to the citizen go out from the log through the courier's outbox: a gateway that
is down for a while delays them and loses none, and each is sent once."""

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Request, Response
from redis.asyncio import Redis
from sqlmodel import select

from services.courier.main import create_app
from services.courier.notifications import CourierNotification
from shared.log import EventLog
from tests.door_support import COURIER, accepted_handover
from tests.integration.courier_support import eventually

TOKEN = "rahasia-gateway"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Gateway:
    """An SMS/WhatsApp gateway on loopback that refuses its first message once it is up."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.refused = 0
        self.app = FastAPI()

        @self.app.post("/kirim")
        async def send(request: Request) -> Response:
            if self.refused == 0:
                self.refused += 1
                return Response(status_code=503)
            self.received.append(await request.json())
            self.headers.append(dict(request.headers))
            return Response(status_code=202)

    @contextlib.asynccontextmanager
    async def up(self, port: int) -> AsyncIterator[None]:
        server = uvicorn.Server(
            uvicorn.Config(self.app, host="127.0.0.1", port=port, log_level="warning")
        )
        task = asyncio.create_task(server.serve())
        for _ in range(500):  # it binds its port within moments
            if server.started:
                break
            await asyncio.sleep(0.02)
        try:
            yield
        finally:
            server.should_exit = True
            await task


@pytest.fixture
def gateway_port(service_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> int:
    port = free_port()
    monkeypatch.setenv("JASA_NOTIFIER", "http")
    monkeypatch.setenv("JASA_NOTIFY_URL", f"http://127.0.0.1:{port}/kirim")
    monkeypatch.setenv("JASA_NOTIFY_TOKEN", TOKEN)
    monkeypatch.setenv("JASA_NOTIFY_TEMPLATES", '{"registered": "jasa_terdaftar_v2"}')
    monkeypatch.setenv("JASA_NOTIFY_RETRY_MAX_S", "0.5")
    return port


async def outbox(app: FastAPI) -> list[CourierNotification]:
    async with app.state.context.sessions() as session:
        return list((await session.exec(select(CourierNotification))).all())


async def test_a_gateway_that_is_down_delays_notifications_and_loses_none(
    gateway_port: int, event_log: EventLog, redis: Redis
) -> None:
    app = create_app()
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://courier") as client:
            # The gateway is down: the procedure goes on regardless.
            handover = await accepted_handover(client, event_log, redis, documents=3)
            for dossier_id in handover.dossier_ids:
                sent_out = await client.post(
                    f"/deliveries/{dossier_id}/out-for-delivery", headers=COURIER
                )
                assert sent_out.status_code == 200, sent_out.text
            waiting = await eventually(
                lambda: outbox(app),
                lambda rows: len(rows) == 6 and all(row.tries >= 2 for row in rows),
                "six messages tried twice against the gateway that is down",
            )
            assert all(row.sent_at is None for row in waiting)
            assert {row.last_error for row in waiting} == {
                "the gateway did not answer (ConnectError)"
            }

            gateway = Gateway()
            async with gateway.up(gateway_port):
                await eventually(
                    lambda: outbox(app),
                    lambda rows: all(row.sent_at is not None for row in rows),
                    "every message sent once the gateway is back",
                )
                await asyncio.sleep(1.0)  # a message sent twice would arrive by now

    phones = {"+6281234567890"}
    assert gateway.refused == 1
    assert sorted(m["template"] for m in gateway.received) == [
        *["jasa_terdaftar_v2"] * 3,
        *["out_for_delivery"] * 3,
    ]
    assert len({m["id"] for m in gateway.received}) == len(gateway.received) == 6
    assert {m["id"] for m in gateway.received} == {row.event_id for row in waiting}
    assert {m["to"] for m in gateway.received} == phones
    assert all(h["authorization"] == f"Bearer {TOKEN}" for h in gateway.headers)
    assert all(
        h["idempotency-key"] == m["id"]
        for h, m in zip(gateway.headers, gateway.received, strict=True)
    )
    codes = [m["params"]["receipt_code"] for m in gateway.received if "receipt_code" in m["params"]]
    assert len(codes) == 3 and all(len(code) == 6 and code.isdigit() for code in codes)
