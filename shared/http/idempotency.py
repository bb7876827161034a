"""`Idempotency-Key` on every POST: a retry returns the first answer and appends nothing.

Records live in Redis beside the log of the office the request is for, the one its token
names (key per office, service, caller and key; the office's hash tag, so they sit on its
shard), with a hash of the request so that the same key with another body is refused.
While the first request runs, a retry gets a 409 instead of running the command twice."""

import hashlib
import logging
from collections.abc import Awaitable
from typing import Any, Protocol

import orjson
from fastapi.security.utils import get_authorization_scheme_param
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.errors import Forbidden, Unauthorized
from shared.http.problems import REDIS_DOWN, log_unreachable, problem_response
from shared.identity import Officer
from shared.keys import Keys
from shared.redis_client import AsyncRedis


class Installation(Protocol):
    """What the middleware needs of the service that installs it: Redis, the offices' keys,
    and who a token names (to keep each office's answers under its own keys)."""

    redis: AsyncRedis
    keys: Keys

    def keys_for(self, office: str) -> Keys: ...

    def officer(self, token: str) -> Officer: ...


log = logging.getLogger("jasa.idempotency")

RECORD_TTL_S = 24 * 3600
IN_FLIGHT_TTL_S = 60
MAX_KEY_LENGTH = 200


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp, *, context: Installation, service: str) -> None:
        self.app, self.context, self.service = app, context, service
        self.redis = context.redis

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers = {k.decode().lower(): v.decode("latin-1") for k, v in scope["headers"]}
        key = headers.get("idempotency-key")
        if key is None:
            await self.app(scope, receive, send)
            return
        if not key or len(key) > MAX_KEY_LENGTH:
            response = problem_response(
                422,
                "Idempotency-Key must be 1 to 200 characters",
                [{"field": "Idempotency-Key", "message": "bad length"}],
            )
            await response(scope, receive, send)
            return

        authorization = headers.get("authorization", "")
        try:
            office_keys = self._keys_of_office_named(authorization)
        except Forbidden as error:  # the routes' own refusal; nothing is kept of it
            await problem_response(error.status, error.detail)(scope, receive, send)
            return

        body = await _read_body(receive)
        caller = hashlib.sha256(authorization.encode()).hexdigest()[:32]
        digest = hashlib.sha256(key.encode()).hexdigest()
        record_key = office_keys.scoped(f"{self.service}:idem:{caller}:{digest}")
        fingerprint = hashlib.sha256(
            scope["path"].encode() + b"\0" + _without_boundary(body, headers)
        ).hexdigest()

        try:
            stored = await self.redis.get(record_key)
            claimed = stored is None and await self.redis.set(
                record_key,
                orjson.dumps({"state": "running", "fingerprint": fingerprint}),
                nx=True,
                ex=IN_FLIGHT_TTL_S,
            )
            if stored is None and not claimed:
                stored = await self.redis.get(record_key)
        except REDIS_DOWN:  # outside the app, so its problem handlers cannot answer this
            await log_unreachable()(scope, _replay_body(body), send)
            return
        if claimed:
            await self._run_and_record(scope, body, send, record_key, fingerprint)
            return
        record: dict[str, Any] = orjson.loads(stored) if stored else {"state": "running"}
        if record.get("fingerprint") not in (None, fingerprint):
            response = problem_response(
                422,
                "this Idempotency-Key was used before for a different request",
                [{"field": "Idempotency-Key", "message": "reused with another request"}],
            )
        elif record["state"] == "running":
            response = problem_response(
                409, "a request with this Idempotency-Key is still being processed; retry shortly"
            )
        else:
            await _replay(record, send)
            return
        await response(scope, _replay_body(body), send)

    def _keys_of_office_named(self, authorization: str) -> Keys:
        """The keys of the office the request's token names (Forbidden if it is not served).
        Without a valid token, the default office's: the route refuses it (401, which is
        never kept) unless it is one that needs no token."""
        scheme, token = get_authorization_scheme_param(authorization)
        if scheme.lower() != "bearer" or not token:
            return self.context.keys
        try:
            return self.context.keys_for(self.context.officer(token).office)
        except Unauthorized:
            return self.context.keys

    async def _run_and_record(
        self, scope: Scope, body: bytes, send: Send, record_key: str, fingerprint: str
    ) -> None:
        captured: dict[str, Any] = {"body": b""}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                captured["status"] = message["status"]
                captured["headers"] = [
                    [k.decode("latin-1"), v.decode("latin-1")] for k, v in message["headers"]
                ]
            elif message["type"] == "http.response.body":
                captured["body"] += message.get("body", b"")
            await send(message)

        path = scope["path"]
        try:
            await self.app(scope, _replay_body(body), capture)
        except BaseException:
            await _quietly(self.redis.delete(record_key), f"{path}: its in-flight record was left")
            raise
        status = captured.get("status", 500)
        if status >= 500 or status == 401:  # not an answer worth repeating
            await _quietly(self.redis.delete(record_key), f"{path}: its in-flight record was left")
            return
        record = {
            "state": "done",
            "fingerprint": fingerprint,
            "status": status,
            "headers": captured["headers"],
            "body": captured["body"].decode("utf-8", "replace"),
        }
        # Not kept, a retry with this key finds the request "running" (409) until
        # IN_FLIGHT_TTL_S passes, then runs again against what the log holds.
        await _quietly(
            self.redis.set(record_key, orjson.dumps(record), ex=RECORD_TTL_S),
            f"{path}: the answer was not recorded",
        )


def _without_boundary(body: bytes, headers: dict[str, str]) -> bytes:
    """A multipart body as its parts read: each sending of a form (a retry of a photo upload)
    picks a boundary of its own, which makes no other request of it."""
    kind = headers.get("content-type", "")
    if not kind.startswith("multipart/form-data"):
        return body
    _, _, boundary = kind.partition("boundary=")
    boundary = boundary.split(";")[0].strip().strip('"')
    return body.replace(boundary.encode("latin-1"), b"") if boundary else body


async def _quietly(write: Awaitable[object], failure: str) -> None:
    """A record's write once the app has answered (or failed), its failure only logged: the
    client has its answer already, and an error raised now would make uvicorn close the
    connection, and with it the next request the client has sent on it (keep-alive)."""
    try:
        await write
    except REDIS_DOWN as error:
        log.warning("Redis unreachable (%s); %s", error, failure)
    except Exception as error:  # Redis full (maxmemory), read-only, an ACL's refusal
        log.exception("%r; %s", error, failure)


async def _read_body(receive: Receive) -> bytes:
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            return body


def _replay_body(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


async def _replay(record: dict[str, Any], send: Send) -> None:
    headers = [
        (k.encode("latin-1"), v.encode("latin-1"))
        for k, v in record["headers"]
        if k.lower() != "content-length"
    ]
    body = record["body"].encode()
    headers += [(b"content-length", str(len(body)).encode()), (b"idempotent-replay", b"true")]
    await send({"type": "http.response.start", "status": record["status"], "headers": headers})
    await send({"type": "http.response.body", "body": body})
