"""Middleware every service wears: bounded request bodies (413) and security headers."""

import re
from collections.abc import Sequence

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.http.problems import problem_response

MAX_BODY_BYTES = 64 * 1024
# A route that takes a file (a photo proof of at most 2 MB) is given room for it and its form.
MAX_UPLOAD_BYTES = 3 * 1024 * 1024
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
]


class _TooLarge(Exception):
    pass


class GuardMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        max_body_bytes: int = MAX_BODY_BYTES,
        uploads: Sequence[str] = (),
        max_upload_bytes: int = MAX_UPLOAD_BYTES,
    ) -> None:
        self.app, self.max_body_bytes = app, max_body_bytes
        self.uploads = [re.compile(pattern) for pattern in uploads]
        self.max_upload_bytes = max_upload_bytes

    def _limit(self, scope: Scope) -> int:
        """The bound of this request's body: larger for a multipart POST to an upload route."""
        kind = dict(scope["headers"]).get(b"content-type", b"")
        if (
            scope["method"] == "POST"
            and kind.startswith(b"multipart/form-data")
            and any(pattern.fullmatch(scope["path"]) for pattern in self.uploads)
        ):
            return self.max_upload_bytes
        return self.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._too_large(scope, receive, send, limit)
            return
        received = 0
        started = exceeded = False

        async def bounded_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                exceeded = True
                raise _TooLarge
            return message

        async def secured_send(message: Message) -> None:
            nonlocal started
            if exceeded:
                return  # the app's own answer to a body it could not read (FastAPI: a 400)
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = list(message.get("headers", [])) + SECURITY_HEADERS
            await send(message)

        try:
            await self.app(scope, bounded_receive, secured_send)
        except _TooLarge:
            pass
        if exceeded and not started:
            await self._too_large(scope, receive, send, limit)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        response = problem_response(
            413,
            f"the request body is larger than {limit} bytes",
            headers={name.decode(): value.decode() for name, value in SECURITY_HEADERS},
        )
        await response(scope, receive, send)
