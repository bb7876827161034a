"""Every service's OpenAPI document against what the service answers.

The document declares each operation's errors as problems (`application/problem+json`, the
`Problem` schema), never FastAPI's `HTTPValidationError`; real error answers match what is
declared for them. Then schemathesis: each service in process with its lifespan (tables,
consumer), each operation called with a token of a role it lets in, with inputs the schema
allows and inputs it does not. No answer may be a server error, and every answer's status,
content type, headers and body must be ones the document declares for that operation.
Bounded: a few examples per operation."""

import json
import re
import uuid
from collections.abc import AsyncIterator
from typing import Any, NamedTuple

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from services.approval.main import create_app as approval_app
from services.courier.main import create_app as courier_app
from services.intake.main import create_app as intake_app
from services.reporting.main import create_app as reporting_app
from shared.http.guards import MAX_BODY_BYTES
from shared.http.openapi import IDEMPOTENCY_KEY
from tests.conftest import running, token_for
from tests.openapi_support import PROBLEM_JSON, assert_answers_as_declared

APPS = {
    "intake": intake_app,
    "approval": approval_app,
    "courier": courier_app,
    "reporting": reporting_app,
}
EXAMPLES = {GenerationMode.POSITIVE: 6, GenerationMode.NEGATIVE: 4}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

SOME_ID = uuid.uuid4()
PROBLEM = {"schema": {"$ref": "#/components/schemas/Problem"}}
JSON = {"Content-Type": "application/json"}
# Problems a route answers that its shape (token, path id, parameters, POST) does not tell.
NOT_BY_SHAPE = {
    "approval": {("post", "/letters"): {404}},  # the recap named in the body
    "reporting": {
        ("get", "/audit/events"): {404},  # the position named by `after`
        ("get", "/lacak/{tracking_code}"): {429},  # lookups a minute from one address
    },
}


class Call(NamedTuple):
    role: str | None
    method: str
    path: str  # as the document names it
    status: int
    url: str = ""  # when not `path` with SOME_ID for its ids
    body: dict[str, Any] | None = None
    content: bytes | None = None  # raw bytes instead of `body`
    headers: dict[str, str] = {}


# Error answers of each service, one or more of each status its operations declare.
CALLS = {
    "intake": [
        Call("COURIER", "get", "/dossiers/{dossier_id}", 403),
        Call("FO", "get", "/dossiers/{dossier_id}", 404),
        Call("FO", "get", "/dossiers/{dossier_id}", 422, url="/dossiers/not-an-id"),
        Call("FO", "post", "/dossiers", 422, body={"nik": "123", "nama": "typo"}),
        Call("FO", "post", "/recaps", 409, body={"document_type": "KK"}),  # none waiting
        Call("FO", "post", "/recaps", 400, content=b"\xc3(", headers=JSON),
        Call(
            "FO",
            "post",
            "/recaps",
            422,
            body={"document_type": "KK"},
            headers={"Idempotency-Key": "k" * 201},
        ),
    ],
    "approval": [
        Call("KASUBBAG_UMUM", "post", "/letters", 404, body={"recap_id": str(SOME_ID)}),
        Call("FO", "post", "/letters/{letter_id}/sign", 403),
        Call("SEKRETARIS", "post", "/letters/{letter_id}/reject", 422, body={"reason": ""}),
        Call("SEKRETARIS", "get", "/letters/{letter_id}/pdf", 404),
    ],
    "courier": [
        Call("COURIER", "post", "/handovers/{letter_id}/accept", 404),
        Call("KASUBBAG_UMUM", "post", "/deliveries/{dossier_id}/returned", 403),
        Call("COURIER", "get", "/handovers", 422, url="/handovers?limit=0"),
    ],
    "reporting": [
        Call("AUDITOR", "get", "/control-cards/{dossier_id}", 404),
        Call("AUDITOR", "get", "/audit/events", 404, url="/audit/events?after=1-0"),
        Call("FO", "get", "/audit/verify", 403),
        Call("AUDITOR", "get", "/reports/deliveries", 422, url="/reports/deliveries?from=kemarin"),
    ],
}


def url_of(path: str) -> str:
    return re.sub(r"\{[^}]+\}", str(SOME_ID), path)


@pytest.fixture(params=list(APPS))
async def service(
    request: pytest.FixtureRequest, service_env: dict[str, str]
) -> AsyncIterator[tuple[str, httpx.AsyncClient, dict[str, Any]]]:
    async with running(APPS[request.param]()) as client:
        document = (await client.get("/openapi.json")).json()
        yield request.param, client, document


def operations_of(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]


def problems_by_shape(method: str, operation: dict[str, Any]) -> set[int]:
    """What DESIGN's HTTP contract says an operation of this shape may answer."""
    parameters = operation.get("parameters", [])
    statuses = set()
    if operation.get("security"):  # a token, its role/office; the database or the log to reach
        statuses |= {401, 403, 503}
    if any(parameter["in"] == "path" for parameter in parameters):
        statuses.add(404)  # an unknown id
    if parameters or "requestBody" in operation:
        statuses.add(422)
    if "requestBody" in operation:
        statuses.add(400)  # bytes that are not UTF-8 text
    if method == "post":  # a command: conflicts, the body bound, an Idempotency-Key, the log
        statuses |= {409, 413, 422, 503}
    return statuses


async def test_every_operation_declares_its_problems_and_no_fastapi_validation_error(
    service: tuple[str, httpx.AsyncClient, dict[str, Any]],
) -> None:
    name, _, document = service
    assert "ValidationError" not in json.dumps(document)  # nor HTTPValidationError
    problem = document["components"]["schemas"]["Problem"]
    assert set(problem["properties"]) == {"type", "title", "status", "detail", "errors"}
    assert set(problem["required"]) == {"type", "title", "status", "detail"}
    for method, path, operation in operations_of(document):
        label = f"{method.upper()} {path}"
        responses = operation["responses"]
        successes = [s for s in responses if s.startswith("2")]
        assert successes and all(PROBLEM_JSON not in responses[s]["content"] for s in successes)
        errors = {int(status) for status in responses if not status.startswith("2")}
        for status in errors:
            content = dict(responses[str(status)]["content"])
            if "text/html" in responses[successes[0]]["content"]:
                content.pop("text/html", None)  # a page answers its errors as a page too
            assert content == {PROBLEM_JSON: PROBLEM}, label
        expected = problems_by_shape(method, operation)
        expected |= NOT_BY_SHAPE.get(name, {}).get((method, path), set())
        expected |= {503} if path == "/ready" else set()
        assert errors == expected, label
        if operation.get("security"):
            assert "WWW-Authenticate" in responses["401"]["headers"], label
        if method == "post" or operation.get("security"):
            assert "Retry-After" in responses["503"]["headers"], label
        keys = [p for p in operation.get("parameters", []) if p["name"] == "Idempotency-Key"]
        if method == "post":
            assert keys == [IDEMPOTENCY_KEY], label
            assert keys[0]["in"] == "header" and not keys[0]["required"], label
        else:
            assert not keys, label


async def test_real_problem_answers_match_what_their_operation_declares(
    service: tuple[str, httpx.AsyncClient, dict[str, Any]],
) -> None:
    name, client, document = service
    secured = [(m, p) for m, p, operation in operations_of(document) if operation.get("security")]
    assert len(secured) >= 5
    for method, path in secured:
        answer = await client.request(method, url_of(path))
        assert answer.status_code == 401, f"{method} {path}: {answer.text}"
        assert answer.headers["www-authenticate"] == "Bearer"
        assert_answers_as_declared(document, method, path, answer)
        if method == "post":
            oversized = await client.post(url_of(path), content=b"x" * (MAX_BODY_BYTES + 1))
            assert oversized.status_code == 413
            assert_answers_as_declared(document, method, path, oversized)
    for call in CALLS[name]:
        headers = {**(token_for(call.role) if call.role else {}), **call.headers}
        url = call.url or url_of(call.path)
        answer = await client.request(
            call.method, url, json=call.body, content=call.content, headers=headers
        )
        assert answer.status_code == call.status, f"{call}: {answer.text}"
        assert_answers_as_declared(document, call.method, call.path, answer)
        if call.status == 422:
            assert answer.json()["errors"], answer.text


ROLES = ("FO", "KASUBBAG_UMUM", "SEKRETARIS", "COURIER", "AUDITOR")
QUICK = settings(
    deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck)
)


def a_role_it_lets_in(operation: Any) -> str:
    """The first role whose token is not refused (401/403) on a valid call of `operation`."""
    answers: dict[str, int] = {}

    @given(case=operation.as_strategy())
    @settings(QUICK, max_examples=1)
    def call_as_every_role(case: Any) -> None:
        for role in ROLES:
            answers.setdefault(role, case.call(headers=token_for(role)).status_code)

    call_as_every_role()
    let_in = [role for role, status in answers.items() if status not in (401, 403)]
    assert let_in, f"{operation.label} lets no role in: {answers}"
    return let_in[0]


@pytest.fixture(params=list(APPS))
def schema(request: pytest.FixtureRequest, service_env: dict[str, str]) -> Any:
    return schemathesis.openapi.from_asgi("/openapi.json", APPS[request.param]())


def exercise(operation: Any, mode: GenerationMode, examples: int, headers: dict[str, str]) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(QUICK, max_examples=examples)
    def answers_without_a_server_error(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    try:
        answers_without_a_server_error()
    except Unsatisfiable:
        # Nothing to get wrong: an operation without parameters or body has no invalid call.
        assert mode is GenerationMode.NEGATIVE, operation.label


def test_no_operation_answers_a_server_error_or_anything_its_document_does_not_declare(
    schema: Any,
) -> None:
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 5
    for operation in operations:
        headers = token_for(a_role_it_lets_in(operation))
        for mode, examples in EXAMPLES.items():
            exercise(operation, mode, examples, headers)
