"""What sign-ins leave behind: a lock on a username after repeated failures, and the office's
security record (`jasa:{<office>}:security`, a Redis stream the reporting service shows the
auditor at `/audit/sign-ins`).

The record is kept apart from the log on purpose: a failed sign-in is no step of the
procedure, and what somebody typed as a username (a password, now and then) must not enter a
log that is never trimmed. So it names an officer only when the username is one of the
directory's, and it keeps the last `RECORD_LENGTH` entries."""

import hashlib
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from shared.keys import Keys
from shared.redis_client import AsyncRedis

RECORD_LENGTH = 100_000


class SignInKind(StrEnum):
    SIGNED_IN = "SIGNED_IN"
    FAILED = "FAILED"
    LOCKED = "LOCKED"  # the failure that locked the username
    REFUSED_LOCKED = "REFUSED_LOCKED"  # an attempt while it was locked
    REFUSED_SUSPENDED = "REFUSED_SUSPENDED"
    SIGNED_OUT = "SIGNED_OUT"
    SESSIONS_ENDED = "SESSIONS_ENDED"  # suspension, role change or a new password


@dataclass(frozen=True, slots=True)
class SignInRecord:
    position: str
    at: float  # epoch seconds
    kind: SignInKind
    username: str | None  # None: a username the directory does not know
    officer_id: str | None
    address: str


class SignInGuard:
    """Failed sign-ins per username, and the lock they lead to. A username the directory
    does not know is counted and locked alike, so the answers never tell it apart."""

    def __init__(self, redis: AsyncRedis, keys: Keys, *, attempts: int, lock_s: int) -> None:
        self.redis, self.keys = redis, keys
        self.attempts, self.lock_s = attempts, lock_s

    def _key(self, kind: str, username: str) -> str:
        # A digest: the keys never hold what was typed.
        digest = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
        return self.keys.scoped(f"sign-in-{kind}:{digest}")

    async def locked(self, username: str) -> bool:
        return bool(await self.redis.exists(self._key("lock", username)))

    async def failed(self, username: str) -> bool:
        """Count one failure; True when it is the one that locks the username."""
        failures = self._key("failures", username)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(failures)
            pipe.expire(failures, self.lock_s)
            count, _ = await pipe.execute()
        if int(count) < self.attempts:
            return False
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(self._key("lock", username), 1, ex=self.lock_s)
            pipe.delete(failures)
            await pipe.execute()
        return True

    async def succeeded(self, username: str) -> None:
        await self.redis.delete(self._key("failures", username))

    async def unlock(self, username: str) -> None:
        await self.redis.delete(self._key("failures", username), self._key("lock", username))


class SecurityRecord:
    """The office's record of sign-ins, failures, lockouts and sessions ended."""

    def __init__(self, redis: AsyncRedis, keys: Keys) -> None:
        self.redis = redis
        self.key = keys.scoped("security")

    async def add(
        self,
        kind: SignInKind,
        *,
        username: str | None = None,
        officer_id: str | None = None,
        address: str = "",
    ) -> None:
        fields: dict[Any, Any] = {
            "at": f"{time.time():.3f}",
            "kind": kind.value,
            "username": username or "",
            "officer_id": officer_id or "",
            "address": address,
        }
        await self.redis.xadd(self.key, fields, maxlen=RECORD_LENGTH, approximate=True)

    async def latest(self, limit: int = 100, before: str | None = None) -> list[SignInRecord]:
        """The newest entries first, up to `limit`, older than `before` when given."""
        upper = f"({before}" if before else "+"
        entries: Any = await self.redis.xrevrange(self.key, max=upper, min="-", count=limit)
        return [_record(position, fields) for position, fields in entries or []]


def _record(position: object, fields: dict[Any, Any]) -> SignInRecord:
    text = {_text(name): _text(value) for name, value in fields.items()}
    return SignInRecord(
        position=_text(position),
        at=float(text["at"]),
        kind=SignInKind(text["kind"]),
        username=text.get("username") or None,
        officer_id=text.get("officer_id") or None,
        address=text.get("address", ""),
    )


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
