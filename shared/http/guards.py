"""Middleware every service wears: bounded request bodies (413) and security headers."""

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.http.problems import problem_response

MAX_BODY_BYTES = 64 * 1024
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
]


class _TooLarge(Exception):
    pass


class GuardMiddleware:
    def __init__(self, app: ASGIApp, max_body_bytes: int = MAX_BODY_BYTES) -> None:
        self.app, self.max_body_bytes = app, max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            await self._too_large(scope, receive, send)
            return
        received = 0
        started = exceeded = False

        async def bounded_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_body_bytes:
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
            await self._too_large(scope, receive, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem_response(
            413,
            f"the request body is larger than {self.max_body_bytes} bytes",
            headers={name.decode(): value.decode() for name, value in SECURITY_HEADERS},
        )
        await response(scope, receive, send)
