"""Errors a use case or a domain decision raises; the HTTP edge turns each into a
problem response with its status. They carry a sentence a person can act on."""

from typing import Any


class Problem(Exception):
    status = 400

    def __init__(self, detail: str, *, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors


class Unauthorized(Problem):
    status = 401


class Forbidden(Problem):
    status = 403


class NotFound(Problem):
    status = 404


class Conflict(Problem):
    """A conflict, or a step out of order: `detail` says why in a sentence."""

    status = 409


class Unprocessable(Problem):
    status = 422

    @classmethod
    def field(cls, field: str, message: str) -> "Unprocessable":
        return cls(f"{field}: {message}", errors=[{"field": field, "message": message}])


class ServiceUnavailable(Problem):
    status = 503


class ReadModelBehind(ServiceUnavailable):
    """The service's read model has not yet applied what the caller must see in it. Late,
    not wrong: the answer asks the caller to try again shortly."""

    def __init__(self, position: str | None, within_s: float) -> None:
        what = f"log position {position}" if position else "the log's latest events"
        super().__init__(
            f"this service's read model has not yet applied {what} (waited {within_s:g} s); "
            "try again shortly"
        )
