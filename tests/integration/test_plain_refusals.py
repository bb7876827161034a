"""A refusal tells the caller what to do in plain words, never a library's inner message: a
garbage token is "not valid", and a body that is not JSON is the body's fault, said so."""

import pytest

from services.approval.main import create_app as approval_app
from services.courier.main import create_app as courier_app
from services.intake.main import create_app as intake_app
from services.reporting.main import create_app as reporting_app
from shared.log import EventLog
from tests.conftest import running, token_for

READS = {
    "intake": (intake_app, "/dossiers"),
    "approval": (approval_app, "/letters"),
    "courier": (courier_app, "/handovers"),
    "reporting": (reporting_app, "/reports/deliveries"),
}
WRITES = {
    "intake": (intake_app, "FO", "/dossiers"),
    "approval": (approval_app, "KASUBBAG_UMUM", "/letters"),
    "courier": (
        courier_app,
        "COURIER",
        "/deliveries/7c9e6679-7425-40de-944b-e07fc1f90ae7/returned",
    ),
}
GARBAGE_TOKENS = [
    "t7c_.e30.x",  # a header that is no UTF-8 once decoded
    "not.a.token",
    "abc",
    "eyJhbGciOiJIUzI1NiJ9.e30.x",
]


@pytest.mark.parametrize("service", list(READS))
async def test_a_garbage_token_is_told_plainly_that_it_is_not_valid(
    service: str, service_env: dict[str, str]
) -> None:
    create_app, path = READS[service]
    async with running(create_app()) as client:
        for token in GARBAGE_TOKENS:
            answer = await client.get(path, headers={"Authorization": f"Bearer {token}"})

            assert answer.status_code == 401
            assert answer.headers["content-type"] == "application/problem+json"
            assert answer.json()["detail"] == "the token is not valid; ask for a new one"


@pytest.mark.parametrize("service", list(WRITES))
async def test_broken_json_is_a_422_that_names_the_body_as_malformed(
    service: str, service_env: dict[str, str], event_log: EventLog
) -> None:
    create_app, role, path = WRITES[service]
    headers = {**token_for(role), "content-type": "application/json"}
    async with running(create_app()) as client:
        answer = await client.post(path, content=b'{"reason": "REFUSED",', headers=headers)

    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert problem["errors"] == [
        {"field": "body", "message": "the body is malformed JSON: it does not parse"}
    ]
    assert "malformed JSON" in problem["detail"]
    assert await event_log.read() == [], "nothing was written"
