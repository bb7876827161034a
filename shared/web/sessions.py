"""Server-side sessions in Redis, so that sign-out and suspension take effect at once.

The cookie holds `<office>.<secret>`; Redis keeps the session under a digest of the secret
(`jasa:{<office>}:session:<digest>`), so a copy of Redis holds no cookie that works. Each
session ends after `idle_s` without a request and `absolute_s` after sign-in, whichever
comes first: the key's expiry is set to the nearer of the two on every request. An officer's
sessions are indexed (`jasa:{<office>}:sessions-of:<username>`), so suspending them ends
them all."""

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

import orjson

from shared.identity import Officer
from shared.keys import Keys
from shared.redis_client import AsyncRedis
from shared.vocabulary import Role

COOKIE = "jasa_session"


@dataclass
class Session:
    """One signed-in officer's session, as read at the start of a request."""

    key: str
    office: str
    username: str
    officer: Officer
    csrf_token: str
    created_at: float
    position: str | None = None  # the log position of the officer's last command
    flashes: list[str] = field(default_factory=list)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class SessionStore:
    """The sessions of the offices an installation serves."""

    def __init__(
        self,
        redis: AsyncRedis,
        offices: list[str],
        key_prefix: str,
        *,
        idle_s: int,
        absolute_s: int,
    ) -> None:
        self.redis = redis
        self.keys = {office: Keys(office, key_prefix) for office in offices}
        self.idle_s, self.absolute_s = idle_s, absolute_s

    def _index(self, keys: Keys, username: str) -> str:
        return keys.scoped(f"sessions-of:{username}")

    async def open(self, username: str, officer: Officer) -> tuple[str, Session]:
        """A new session for a signed-in officer: the cookie's value, and the session."""
        keys = self.keys[officer.office]
        secret = secrets.token_urlsafe(32)
        key = keys.scoped(f"session:{_digest(secret)}")
        session = Session(
            key, officer.office, username, officer, secrets.token_urlsafe(32), time.time()
        )
        fields: dict[Any, Any] = {
            "username": username,
            "officer_id": officer.officer_id,
            "name": officer.name,
            "role": officer.role.value,
            "csrf": session.csrf_token,
            "created_at": f"{session.created_at:.3f}",
        }
        index = self._index(keys, username)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping=fields)
            pipe.expire(key, min(self.idle_s, self.absolute_s))
            pipe.sadd(index, key)
            pipe.expire(index, self.absolute_s)
            await pipe.execute()
        return f"{officer.office}.{secret}", session

    async def find(self, cookie: str | None) -> Session | None:
        """The live session a cookie names (its idle time starts again), or None."""
        if not cookie or "." not in cookie:
            return None
        office, secret = cookie.split(".", 1)
        keys = self.keys.get(office)
        if keys is None or not secret:
            return None
        key = keys.scoped(f"session:{_digest(secret)}")
        # Read and restart the idle time in one round trip, as every page asks this first;
        # only near the absolute end does the expiry need a second, shorter setting.
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.hgetall(key)
            pipe.expire(key, self.idle_s)
            stored, _ = await pipe.execute()
        if not stored:
            return None
        text = {_text(name): _text(value) for name, value in stored.items()}
        created_at = float(text["created_at"])
        left_s = created_at + self.absolute_s - time.time()
        if left_s <= 0:
            await self.redis.delete(key)
            return None
        if left_s < self.idle_s:
            await self.redis.expire(key, max(1, int(left_s)))
        officer = Officer(text["officer_id"], text["name"], Role(text["role"]), office)
        flashes = orjson.loads(text["flashes"]) if text.get("flashes") else []
        return Session(
            key,
            office,
            text["username"],
            officer,
            text["csrf"],
            created_at,
            text.get("position") or None,
            flashes,
        )

    async def close(self, session: Session) -> None:
        """Sign-out: the session ends at once, on every service."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(session.key)
            pipe.srem(self._index(self.keys[session.office], session.username), session.key)
            await pipe.execute()

    async def remember_position(self, session: Session, position: str) -> None:
        """The log position of the officer's last command: the next page read waits for it."""
        session.position = position
        await self.redis.hset(session.key, "position", position)

    async def flash(self, session: Session, message: str) -> None:
        """A message shown once, on the next page this session opens."""
        session.flashes.append(message)
        await self.redis.hset(session.key, "flashes", orjson.dumps(session.flashes))

    async def take_flashes(self, session: Session) -> list[str]:
        if not session.flashes:
            return []
        taken, session.flashes = session.flashes, []
        await self.redis.hdel(session.key, "flashes")
        return taken


async def end_sessions_of(redis: AsyncRedis, keys: Keys, username: str) -> int:
    """End every open session of one officer at once (suspension, a new role or password);
    how many there were."""
    index = keys.scoped(f"sessions-of:{username}")
    members = await redis.smembers(index)
    if not members:
        return 0
    alive = await redis.delete(*members)
    await redis.delete(index)
    return int(alive)


def same_token(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
