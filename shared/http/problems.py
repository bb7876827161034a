"""Errors as `application/problem+json` (RFC 9457): type, title, status, detail, and the
field `errors` on 422. Domain code raises `Problem`s; nothing else reaches the client.

Redis or the database out of reach, a cluster's slot without a primary (a failover under
way), or a read model behind what the caller must see, is a 503 with `Retry-After`
(nothing was written); so is an append its replicas did not confirm in time (kept or not,
its retry writes it once). Any other unexpected error is a 500 problem that tells nothing
of its cause, which the server logs with its traceback."""

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from redis.exceptions import (
    AskError,
    ClusterDownError,
    ReadOnlyError,
    RedisClusterUnreachableError,
    SlotNotCoveredError,
    TryAgainError,
)
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.db import database_unreachable, root_cause
from shared.errors import (  # noqa: F401  (re-exported for the routes)
    Conflict,
    Forbidden,
    NotFound,
    Problem,
    ServiceUnavailable,
    Unauthorized,
    Unprocessable,
)
from shared.log import ConcurrencyConflict
from shared.store import NotReplicated

log = logging.getLogger("jasa.problems")

PROBLEM_JSON = "application/problem+json"
_TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Request body too large",
    415: "Unsupported media type",
    422: "Invalid input",
    500: "Internal server error",
    503: "Service unavailable",
}


def problem_response(
    status: int,
    detail: str,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"https://jasa-dukcapil.go.id/problems/{status}",
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _field_name(location: tuple[Any, ...]) -> str:
    parts = [str(part) for part in location if part not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def _field_error(item: dict[str, Any]) -> dict[str, str]:
    """One field of a 422. JSON that does not parse is the body's fault as a whole: FastAPI
    places it at the character where parsing stopped, which is no field of the contract."""
    if item.get("type") == "json_invalid":
        return {"field": "body", "message": "the body is malformed JSON: it does not parse"}
    return {"field": _field_name(tuple(item.get("loc", ()))), "message": item.get("msg", "")}


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(_: Request, error: Problem) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else None
        if error.status == 503:  # unavailable for now: every such answer says when to retry
            headers = {"Retry-After": str(RETRY_AFTER_S)}
        return problem_response(error.status, error.detail, error.errors, headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, error: RequestValidationError) -> JSONResponse:
        errors = [_field_error(item) for item in error.errors()]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return problem_response(422, detail or "invalid input", errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, error: StarletteHTTPException) -> JSONResponse:
        return problem_response(
            error.status_code, str(error.detail), headers=dict(error.headers or {})
        )

    @app.exception_handler(ConcurrencyConflict)
    async def _conflict(_: Request, error: ConcurrencyConflict) -> JSONResponse:
        return problem_response(
            409, "someone else changed this record at the same moment; read it again and retry"
        )

    for unreachable in REDIS_DOWN:
        app.add_exception_handler(unreachable, _redis_down)

    @app.exception_handler(NotReplicated)
    async def _not_replicated(request: Request, error: NotReplicated) -> JSONResponse:
        log.error("%s %s answered 503: %s", request.method, request.url.path, error)
        return problem_response(
            503,
            "the event log could not confirm that its replicas keep this write; try again "
            "(a retry does not write it twice)",
            headers={"Retry-After": str(RETRY_AFTER_S)},
        )

    @app.exception_handler(DBAPIError)
    @app.exception_handler(PoolTimeout)
    @app.exception_handler(OSError)  # asyncpg's refused connection comes unwrapped
    async def _database_down(request: Request, error: Exception) -> JSONResponse:
        if not database_unreachable(error):
            raise error  # a bug, not an outage: the 500 below
        log.error(
            "the database cannot be reached (%s): %s %s answered 503",
            root_cause(error),
            request.method,
            request.url.path,
        )
        return database_unreachable_response()

    # Starlette answers this one outermost and then re-raises, so the server logs the
    # traceback (its log lines are redacted); the client learns nothing of the cause.
    @app.exception_handler(Exception)
    async def _unexpected(_: Request, error: Exception) -> JSONResponse:
        return problem_response(
            500, "an unexpected error on our side; it has been logged for the operators"
        )


# Redis out of reach, or, on a cluster, a slot whose primary is gone while its replica
# takes over: the command is refused (a write to a replica), redirected too often, or told
# to try again. redis-py retries each a few times before it gives up with it.
REDIS_DOWN: tuple[type[Exception], ...] = (
    RedisConnectionError,
    RedisTimeoutError,
    ClusterDownError,
    TryAgainError,
    ReadOnlyError,
    AskError,
    SlotNotCoveredError,
    RedisClusterUnreachableError,
)


async def _redis_down(_: Request, error: Exception) -> JSONResponse:
    return log_unreachable()


RETRY_AFTER_S = 2


def log_unreachable() -> JSONResponse:
    """503: Redis cannot be reached (down, restarting, loading its AOF)."""
    return problem_response(
        503,
        "the event log cannot be reached right now; nothing was written, try again",
        headers={"Retry-After": str(RETRY_AFTER_S)},
    )


def database_unreachable_response() -> JSONResponse:
    """503: the service's database cannot be reached (see `shared.db.database_unreachable`)."""
    return problem_response(
        503,
        "the database cannot be reached right now; nothing was written, try again",
        headers={"Retry-After": str(RETRY_AFTER_S)},
    )
