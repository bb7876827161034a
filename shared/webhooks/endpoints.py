"""An office's webhook endpoints: where to call, for which events, and the secret each call
is signed with (`whsec_` and base64, as Standard Webhooks writes it), sealed at rest.

Each endpoint is a hash of its own (`jasa:{<office>}:webhooks:endpoint:<id>`) and its id
is in the office's set of endpoints, so the dispatcher (marking an endpoint failing or
disabled) and the command line (rotating its secret) change separate fields and never
overwrite each other. During a rotation the previous secret still signs, until its grace
ends: both signatures go out, space-separated, as the specification allows."""

import base64
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import cast

from redis.typing import EncodableT, FieldT

from shared.keys import Keys
from shared.redis_client import AsyncRedis
from shared.webhooks.sealing import Sealer

EVENT_TYPES = ("handover.ready", "handover.accepted", "return.received")
SECRET_PREFIX = "whsec_"
Fields = dict[FieldT, EncodableT]


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def new_endpoint_id() -> str:
    return "ep_" + secrets.token_hex(12)


def as_time(milliseconds: int | None) -> datetime | None:
    return None if milliseconds is None else datetime.fromtimestamp(milliseconds / 1000, UTC)


@dataclass(frozen=True, slots=True)
class Endpoint:
    id: str
    office: str
    url: str
    events: tuple[str, ...]  # empty: every event type
    description: str
    created_ms: int
    disabled_ms: int | None = None
    disabled_reason: str = ""
    failing_since_ms: int | None = None

    @property
    def enabled(self) -> bool:
        return self.disabled_ms is None

    def wants(self, event_type: str) -> bool:
        return not self.events or event_type in self.events


def _text(fields: dict[bytes, bytes], name: str) -> str:
    return fields.get(name.encode(), b"").decode()


def _number(fields: dict[bytes, bytes], name: str) -> int | None:
    value = fields.get(name.encode())
    return int(value) if value else None


class Endpoints:
    def __init__(self, redis: AsyncRedis, keys: Keys, sealer: Sealer) -> None:
        self.redis, self.keys, self.sealer = redis, keys, sealer
        self.ids = keys.scoped("webhooks:endpoints")

    def _key(self, endpoint_id: str) -> str:
        return self.keys.scoped(f"webhooks:endpoint:{endpoint_id}")

    def _record(self, endpoint_id: str, field: str) -> str:
        return f"{self.keys.office}:{endpoint_id}:{field}"

    async def add(
        self, url: str, events: Sequence[str], description: str, now_ms: int
    ) -> tuple[Endpoint, str]:
        """A new endpoint and its secret (shown once; kept only sealed)."""
        endpoint_id, secret = new_endpoint_id(), new_secret()
        sealed = self.sealer.seal(secret.encode(), self._record(endpoint_id, "secret"))
        fields: Fields = {
            "url": url,
            "events": ",".join(events),
            "description": description,
            "created_ms": now_ms,
            "secret": sealed,
        }
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(self._key(endpoint_id), mapping=fields)
            pipe.sadd(self.ids, endpoint_id)
            await pipe.execute()
        endpoint = Endpoint(endpoint_id, self.keys.office, url, tuple(events), description, now_ms)
        return endpoint, secret

    async def get(self, endpoint_id: str) -> Endpoint | None:
        fields = cast(dict[bytes, bytes], await self.redis.hgetall(self._key(endpoint_id)))
        return self._endpoint(endpoint_id, fields) if fields else None

    async def all(self) -> list[Endpoint]:
        members = cast(set[bytes], await self.redis.smembers(self.ids))
        ids = sorted(member.decode() for member in members)
        async with self.redis.pipeline(transaction=False) as pipe:
            for endpoint_id in ids:
                pipe.hgetall(self._key(endpoint_id))
            found = await pipe.execute()
        endpoints = [self._endpoint(i, f) for i, f in zip(ids, found, strict=True) if f]
        return sorted(endpoints, key=lambda endpoint: endpoint.created_ms)

    def _endpoint(self, endpoint_id: str, fields: dict[bytes, bytes]) -> Endpoint:
        events = _text(fields, "events")
        return Endpoint(
            id=endpoint_id,
            office=self.keys.office,
            url=_text(fields, "url"),
            events=tuple(event for event in events.split(",") if event),
            description=_text(fields, "description"),
            created_ms=_number(fields, "created_ms") or 0,
            disabled_ms=_number(fields, "disabled_ms"),
            disabled_reason=_text(fields, "disabled_reason"),
            failing_since_ms=_number(fields, "failing_since_ms"),
        )

    async def remove(self, endpoint_id: str) -> bool:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.srem(self.ids, endpoint_id)
            pipe.delete(self._key(endpoint_id))
            removed, _ = await pipe.execute()
        return bool(removed)

    async def rotate(self, endpoint_id: str, now_ms: int, grace_s: float) -> str | None:
        """A new secret for the endpoint; the current one signs beside it for `grace_s`.
        None when there is no such endpoint."""
        key = self._key(endpoint_id)
        current = await self.redis.hget(key, "secret")
        if current is None:
            return None
        old = self.sealer.open(current, self._record(endpoint_id, "secret"))
        secret = new_secret()
        fields: Fields = {
            "secret": self.sealer.seal(secret.encode(), self._record(endpoint_id, "secret")),
            "previous_secret": self.sealer.seal(old, self._record(endpoint_id, "previous")),
            "previous_until_ms": now_ms + int(grace_s * 1000),
        }
        await self.redis.hset(key, mapping=fields)
        return secret

    async def signing_secrets(self, endpoint_id: str, now_ms: int) -> list[str]:
        """The secrets a call is signed with now: the current one, and the previous one
        while its grace lasts."""
        fields = cast(
            list[bytes | None],
            await self.redis.hmget(
                self._key(endpoint_id), ["secret", "previous_secret", "previous_until_ms"]
            ),
        )
        current, previous, until = fields
        if current is None:
            return []
        found = [self.sealer.open(current, self._record(endpoint_id, "secret")).decode()]
        if previous is not None and until is not None and now_ms < int(until):
            found.append(self.sealer.open(previous, self._record(endpoint_id, "previous")).decode())
        return found

    async def failing(self, endpoint_id: str, now_ms: int) -> int:
        """Mark the endpoint failing (if it was not already); since when it has failed."""
        key = self._key(endpoint_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hsetnx(key, "failing_since_ms", now_ms)
            pipe.hget(key, "failing_since_ms")
            _, since = await pipe.execute()
        return int(since) if since else now_ms

    async def succeeded(self, endpoint_id: str) -> None:
        await self.redis.hdel(self._key(endpoint_id), "failing_since_ms")

    async def disable(self, endpoint_id: str, reason: str, now_ms: int) -> bool:
        """Disable the endpoint; True if it was enabled until now."""
        key = self._key(endpoint_id)
        if not await self.redis.exists(key):
            return False
        newly = await self.redis.hsetnx(key, "disabled_ms", now_ms)
        if newly:
            await self.redis.hset(key, "disabled_reason", reason)
        return bool(newly)

    async def enable(self, endpoint_id: str) -> bool:
        key = self._key(endpoint_id)
        if not await self.redis.exists(key):
            return False
        await self.redis.hdel(key, "disabled_ms", "disabled_reason", "failing_since_ms")
        return True
