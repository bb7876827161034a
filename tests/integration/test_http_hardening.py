"""What every service does with a request before any use case runs: bodies are bounded (413),
a request body with a field the contract does not know is a 422 naming that field (nothing
written), and every answer, errors and the API docs included, wears the security headers."""

import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from services.approval.main import create_app as approval_app
from services.courier.main import create_app as courier_app
from services.intake.main import create_app as intake_app
from services.reporting.main import create_app as reporting_app
from shared.http.guards import MAX_BODY_BYTES, SECURITY_HEADERS
from shared.log import EventLog
from tests.conftest import running, token_for

APPS: dict[str, Callable[[], FastAPI]] = {
    "intake": intake_app,
    "approval": approval_app,
    "courier": courier_app,
    "reporting": reporting_app,
}
SOME_ID = uuid.uuid4()

# Every request body of every service: (role, path, a valid body).
BODIES: dict[str, list[tuple[str, str, dict[str, Any]]]] = {
    "intake": [
        (
            "FO",
            "/dossiers",
            {
                "nik": "1471014506900003",
                "name": "Rina Marlina",
                "address": "Jl. Sudirman No. 12, Pekanbaru",
                "phone": "0812-3456-7890",
                "document_type": "KTP_EL",
                "document_number": "KTP-0001",
            },
        ),
        ("FO", f"/dossiers/{SOME_ID}/flags", {"reason": "OTHER", "note": "cek"}),
        ("FO", f"/dossiers/{SOME_ID}/flags/resolve", {"note": "sudah"}),
        ("FO", "/recaps", {"document_type": "KK"}),
    ],
    "approval": [
        ("KASUBBAG_UMUM", "/letters", {"recap_id": str(SOME_ID)}),
        ("SEKRETARIS", f"/letters/{SOME_ID}/reject", {"reason": "nomor salah"}),
    ],
    "courier": [
        (
            "COURIER",
            f"/deliveries/{SOME_ID}/delivered",
            {"recipient_name": "Rina", "relationship": "SELF"},
        ),
        ("COURIER", f"/deliveries/{SOME_ID}/returned", {"reason": "REFUSED"}),
    ],
    "reporting": [],  # it reads only
}
POSTS = {"intake": "/recaps", "approval": "/letters", "courier": f"/handovers/{SOME_ID}/accept"}
READER = {"intake": "FO", "approval": "SEKRETARIS", "courier": "COURIER", "reporting": "AUDITOR"}


@pytest.fixture(params=list(APPS))
async def service(
    request: pytest.FixtureRequest, service_env: dict[str, str]
) -> AsyncIterator[tuple[str, httpx.AsyncClient]]:
    async with running(APPS[request.param]()) as client:
        yield request.param, client


def assert_secured(response: httpx.Response) -> None:
    for name, value in SECURITY_HEADERS:
        assert response.headers.get(name.decode()) == value.decode(), (
            f"{response.request.method} {response.request.url.path} ({response.status_code}) "
            f"lacks {name.decode()}"
        )


async def test_every_answer_wears_the_security_headers_errors_and_docs_included(
    service: tuple[str, httpx.AsyncClient],
) -> None:
    name, client = service
    reader = token_for(READER[name])
    answers = [
        await client.get("/health"),
        await client.get("/docs"),
        await client.get("/openapi.json"),
        await client.get("/asyncapi.json", headers=reader),
        await client.get("/no-such-page", headers=reader),  # 404
        await client.delete("/health"),  # 405
        await client.get(f"/control-cards/{SOME_ID}"),  # 401 or 404
        await client.post(POSTS.get(name, "/health"), headers=token_for("AUDITOR"), json={}),
        await client.post("/x", content=b"x" * (MAX_BODY_BYTES + 1)),  # 413
    ]
    statuses = {response.status_code for response in answers}
    assert {200, 404, 405, 413} <= statuses and statuses & {401, 403}
    for response in answers:
        assert_secured(response)


async def test_a_body_over_the_limit_is_refused_with_413_declared_or_streamed(
    service: tuple[str, httpx.AsyncClient], event_log: EventLog
) -> None:
    name, client = service
    role, path, _ = BODIES[name][0] if BODIES[name] else ("AUDITOR", "/audit/verify", {})
    headers = {**token_for(role), "content-type": "application/json"}
    padded = b'{"note": "' + b"x" * MAX_BODY_BYTES + b'"}'

    async def streamed() -> AsyncIterator[bytes]:
        for start in range(0, len(padded), 8192):
            yield padded[start : start + 8192]

    answers = [await client.post(path, content=padded, headers=headers)]
    if BODIES[name]:  # without a Content-Length, only a route that reads the body can tell
        answers.append(await client.post(path, content=streamed(), headers=headers))
    for response in answers:
        assert response.status_code == 413, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert str(MAX_BODY_BYTES) in response.json()["detail"]
        assert_secured(response)
    assert await event_log.read() == [], "nothing was written"


async def test_a_field_the_contract_does_not_know_is_a_422_naming_it_and_nothing_is_written(
    service: tuple[str, httpx.AsyncClient], event_log: EventLog
) -> None:
    name, client = service
    for role, path, body in BODIES[name]:
        response = await client.post(
            path, json={**body, "catatan_tambahan": "typo"}, headers=token_for(role)
        )
        assert response.status_code == 422, f"{path}: {response.text}"
        problem = response.json()
        assert {
            "field": "catatan_tambahan",
            "message": "Extra inputs are not permitted",
        } in problem["errors"], problem
        assert "catatan_tambahan" in problem["detail"]
    assert await event_log.read() == [], "nothing was written"
