"""The OpenAPI document tells the truth about errors: every operation declares the problems
(`application/problem+json`, the `Problem` schema) it may answer, in place of FastAPI's
default 422 `HTTPValidationError`, which no service ever sends. Clients are generated from
this document (the courier's system, auditors' tools).

Most statuses follow from an operation's shape, so routes declare nothing:
- a token is required: 401 (none, expired, forged) and 403 (role, or an office not served),
  and 503 (with `Retry-After`): every such operation reads or writes the service's database
  or its event log, and either may be out of reach;
- an id in the path: 404 (unknown here, or another office's);
- parameters or a body: 422 (the field named in `errors`); a body: 400 (not UTF-8 text);
- a POST (a command, with its `Idempotency-Key` record in Redis): 409 (a conflict, a step out
  of order, or a retry still running), 413 (body bound), 422 (a bad key) and 503 (the event
  log cannot be reached, whether or not the POST needs a token).
The open operations (`/health`, `/asyncapi.json`) touch neither store; `/ready` declares
its own 503. A route adds, with `responses=also_answers(...)`, what its shape does not tell:
a 404 for an id in the body or query."""

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from shared.http.guards import MAX_BODY_BYTES
from shared.http.idempotency import MAX_KEY_LENGTH, RECORD_TTL_S
from shared.http.problems import PROBLEM_JSON

PROBLEM_REF = "#/components/schemas/Problem"

# What shared/http/problems.py emits, and nothing it does not (no `instance`).
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "An error, as RFC 9457 problem details (`application/problem+json`).",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {
            "type": "string",
            "format": "uri",
            "description": "the kind of problem: https://jasa-dukcapil.go.id/problems/<status>",
        },
        "title": {"type": "string", "description": "a short summary of the status"},
        "status": {
            "type": "integer",
            "minimum": 400,
            "maximum": 599,
            "description": "the HTTP status again",
        },
        "detail": {"type": "string", "description": "what happened, in a sentence to act on"},
        "errors": {
            "type": "array",
            "items": {"$ref": "#/components/schemas/ProblemField"},
            "description": "on 422 only: each field that is wrong, and why",
        },
    },
}
PROBLEM_FIELD_SCHEMA: dict[str, Any] = {
    "title": "ProblemField",
    "type": "object",
    "required": ["field", "message"],
    "properties": {
        "field": {
            "type": "string",
            "description": "dotted when nested (`documents.0.name`); `body` for the whole body; "
            "a header by its name (`Idempotency-Key`)",
        },
        "message": {"type": "string"},
    },
}
FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")

DESCRIPTIONS = {
    400: "The body is not UTF-8 text (JSON that does not parse is a 422).",
    401: "No token, or one that is expired, forged or signed with a key not accepted here.",
    403: "The caller's role may not take this step, or this installation does not serve the "
    "token's office.",
    404: "Unknown id: no such record in the caller's office (another office's records are not "
    "found either).",
    409: "A conflict or a step out of order (`detail` says why), or a retry whose "
    "`Idempotency-Key` is still being processed.",
    413: f"The request body is larger than {MAX_BODY_BYTES} bytes.",
    422: "Invalid input: `errors` names each field and what is wrong with it. Nothing was written.",
    429: "Too many requests from this address; try again after `Retry-After` seconds.",
    503: "The event log or the database cannot be reached right now (`detail` says which). "
    "Nothing was written; try again after `Retry-After` seconds.",
}
HEADERS: dict[int, dict[str, Any]] = {
    401: {"WWW-Authenticate": {"description": "`Bearer`", "schema": {"type": "string"}}},
    429: {
        "Retry-After": {
            "description": "seconds until this address may ask again",
            "schema": {"type": "integer", "minimum": 0},
        }
    },
    503: {
        "Retry-After": {
            "description": "seconds to wait before trying again (when the event log or the "
            "database is out of reach)",
            "schema": {"type": "integer", "minimum": 0},
        }
    },
}


def also_answers(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """For a route's `responses=`: problems its shape does not tell (see the module's doc)."""
    return {status: {"description": DESCRIPTIONS[status]} for status in statuses}


def statuses_of(method: str, operation: dict[str, Any]) -> set[int]:
    """The error statuses an operation answers by its shape alone."""
    parameters = operation.get("parameters", [])
    statuses = set()
    if operation.get("security"):
        statuses |= {401, 403, 503}
    if any(parameter.get("in") == "path" for parameter in parameters):
        statuses.add(404)
    if parameters or "requestBody" in operation:
        statuses.add(422)
    if "requestBody" in operation:
        statuses.add(400)
    if method == "post":
        statuses |= {409, 413, 422, 503}
    return statuses


def _is_fastapi_default(response: dict[str, Any]) -> bool:
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    return bool(schema.get("$ref", "").endswith("/HTTPValidationError"))


def _problem(status: int, declared: dict[str, Any] | None) -> dict[str, Any]:
    """The response of one error status; a route's own description is kept."""
    if declared is None or _is_fastapi_default(declared):
        description = DESCRIPTIONS[status]
    else:
        description = declared["description"]
    # A page answers its own errors as a page too (`text/html`): a route says so itself.
    own = {
        kind: body
        for kind, body in (declared or {}).get("content", {}).items()
        if kind != "application/json"
    }
    response: dict[str, Any] = {
        "description": description,
        "content": {**own, PROBLEM_JSON: {"schema": {"$ref": PROBLEM_REF}}},
    }
    if status in HEADERS:
        response["headers"] = HEADERS[status]
    return response


# Every POST takes one (shared.http.idempotency); the middleware reads it, so no route
# names it and FastAPI would not tell.
IDEMPOTENCY_KEY: dict[str, Any] = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH},
    "description": "Any text of your own per command (a UUID will do). A retry with the same "
    f"key within {RECORD_TTL_S // 3600} h gets the first answer again (marked "
    "`Idempotent-Replay: true`) and changes nothing; the same key with another body is a "
    "422, and while the first request still runs, a retry is a 409.",
}


def with_problems(document: dict[str, Any]) -> dict[str, Any]:
    """`document` with the Problem schema and every operation's problems declared, and every
    POST's `Idempotency-Key`."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for name in FASTAPI_VALIDATION_SCHEMAS:
        schemas.pop(name, None)
    schemas.update(Problem=PROBLEM_SCHEMA, ProblemField=PROBLEM_FIELD_SCHEMA)
    for path_item in document.get("paths", {}).values():
        for method, operation in path_item.items():
            if method == "post":
                operation.setdefault("parameters", []).append(IDEMPOTENCY_KEY)
            responses = operation.setdefault("responses", {})
            declared = {int(status) for status in responses if status.isdigit()}
            for status in statuses_of(method, operation) | {s for s in declared if s >= 400}:
                responses[str(status)] = _problem(status, responses.get(str(status)))
            operation["responses"] = dict(sorted(responses.items()))
    return document


def declare_problems(app: FastAPI) -> None:
    """Serve `app`'s OpenAPI document with its problems declared (built once, when asked)."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = with_problems(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
