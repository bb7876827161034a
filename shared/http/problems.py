"""Errors as `application/problem+json` (RFC 9457): type, title, status, detail, and the
field `errors` on 422. Domain code raises `Problem`s; nothing else reaches the client."""

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

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


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(_: Request, error: Problem) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else None
        return problem_response(error.status, error.detail, error.errors, headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, error: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": _field_name(tuple(item.get("loc", ()))), "message": item.get("msg", "")}
            for item in error.errors()
        ]
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

    @app.exception_handler(RedisConnectionError)
    @app.exception_handler(RedisTimeoutError)
    async def _redis_down(_: Request, error: Exception) -> JSONResponse:
        return log_unreachable()


REDIS_DOWN = (RedisConnectionError, RedisTimeoutError)


def log_unreachable() -> JSONResponse:
    """503: Redis cannot be reached (down, restarting, loading its AOF)."""
    return problem_response(
        503,
        "the event log cannot be reached right now; nothing was written, try again",
        headers={"Retry-After": "2"},
    )
