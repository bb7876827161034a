"""The messages an office owes its webhook endpoints, and what became of each.

One message per event and endpoint, made once: its id (`webhook-id`) is derived from the
endpoint and the event, and the office's set of message ids (`webhooks:messages`, kept
for good, like the courier feed's marks) makes a redelivered or replayed event a no-op.
A message is a hash (`webhooks:message:<id>`: endpoint, type, sealed body, attempts,
status, next attempt, last answer), its attempts a capped list beside it.

`webhooks:due` orders the pending messages by their next attempt. A dispatcher claims the
due ones in one Lua step that moves each out of reach for a lease: if the process dies
while sending, the lease runs out and any dispatcher sends the message again, with the
same id. A message that used all its attempts leaves `due` for `webhooks:failed`, until
`replay` puts it back. A one-element list (`webhooks:wake`) wakes a waiting dispatcher as
soon as something is enqueued."""

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import cast

import orjson
from redis.asyncio.client import Pipeline
from redis.asyncio.cluster import ClusterPipeline

from shared.keys import Keys
from shared.redis_client import AsyncRedis
from shared.webhooks.endpoints import Endpoint
from shared.webhooks.sealing import Sealer

# KEYS: the set of message ids, due, wake, then each message's hash. ARGV: now, type,
# then per message its id, endpoint id and sealed body. Returns how many were new.
_ENQUEUE = """
local made = 0
for i = 4, #KEYS do
  local base = 3 + (i - 4) * 3
  local id = ARGV[base]
  if redis.call('ZADD', KEYS[1], 'NX', ARGV[1], id) == 1 then
    redis.call('HSET', KEYS[i], 'endpoint_id', ARGV[base + 1], 'type', ARGV[2],
      'body', ARGV[base + 2], 'created_ms', ARGV[1], 'attempts', 0, 'status', 'pending',
      'next_ms', ARGV[1])
    redis.call('ZADD', KEYS[2], ARGV[1], id)
    made = made + 1
  end
end
if made > 0 then
  redis.call('RPUSH', KEYS[3], 1)
  redis.call('LTRIM', KEYS[3], -1, -1)
end
return made
"""

# KEYS: due. ARGV: now, lease end, most to claim. The due ids, now held for the lease.
_CLAIM = """
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[3])
for _, id in ipairs(ids) do redis.call('ZADD', KEYS[1], 'XX', ARGV[2], id) end
return ids
"""

ATTEMPTS_KEPT = 50
NAMESPACE = uuid.UUID("8a0f8f5e-27a4-4c43-9d6c-6b1c1f0d2a27")


def message_id(office: str, endpoint_id: str, event_key: str) -> str:
    """The message's `webhook-id`: the same for one event and endpoint, whoever makes it."""
    return "msg_" + uuid.uuid5(NAMESPACE, f"{office}:{endpoint_id}:{event_key}").hex


@dataclass(frozen=True, slots=True)
class Message:
    id: str
    endpoint_id: str
    type: str
    created_ms: int
    attempts: int
    status: str  # pending, delivered, failed
    next_ms: int | None
    last_status: int | None
    last_error: str
    delivered_ms: int | None
    failed_ms: int | None
    sealed_body: bytes


@dataclass(frozen=True, slots=True)
class Attempt:
    at_ms: int
    status: int | None  # the receiver's HTTP status; None when no answer came
    error: str  # why it failed, in words; empty on success
    retry_after_s: float | None = None
    duration_ms: int = 0

    @property
    def succeeded(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def _number(fields: dict[bytes, bytes], name: bytes) -> int | None:
    value = fields.get(name)
    return int(value) if value else None


def _message(message_id: str, fields: dict[bytes, bytes]) -> Message:
    return Message(
        id=message_id,
        endpoint_id=fields.get(b"endpoint_id", b"").decode(),
        type=fields.get(b"type", b"").decode(),
        created_ms=_number(fields, b"created_ms") or 0,
        attempts=_number(fields, b"attempts") or 0,
        status=fields.get(b"status", b"").decode(),
        next_ms=_number(fields, b"next_ms"),
        last_status=_number(fields, b"last_status"),
        last_error=fields.get(b"last_error", b"").decode(),
        delivered_ms=_number(fields, b"delivered_ms"),
        failed_ms=_number(fields, b"failed_ms"),
        sealed_body=fields.get(b"body", b""),
    )


class Outbox:
    def __init__(self, redis: AsyncRedis, keys: Keys, sealer: Sealer) -> None:
        self.redis, self.keys, self.sealer = redis, keys, sealer
        self.messages = keys.scoped("webhooks:messages")
        self.due = keys.scoped("webhooks:due")
        self.failures = keys.scoped("webhooks:failed")
        self.wake = keys.scoped("webhooks:wake")
        self._enqueue = redis.register_script(_ENQUEUE)
        self._claim = redis.register_script(_CLAIM)

    def _key(self, message_id: str) -> str:
        return self.keys.scoped(f"webhooks:message:{message_id}")

    def _attempts_key(self, message_id: str) -> str:
        return self.keys.scoped(f"webhooks:attempts:{message_id}")

    def _record(self, message_id: str) -> str:
        return f"{self.keys.office}:{message_id}:body"

    async def enqueue(
        self,
        endpoints: Sequence[Endpoint],
        event_type: str,
        event_key: str,
        body: bytes,
        now_ms: int,
    ) -> int:
        """One message of this event for each endpoint that wants its type, unless made
        before; how many were new."""
        wanting = [endpoint for endpoint in endpoints if endpoint.wants(event_type)]
        if not wanting:
            return 0
        ids = [message_id(self.keys.office, e.id, event_key) for e in wanting]
        args: list[str | int] = [now_ms, event_type]
        for endpoint, mid in zip(wanting, ids, strict=True):
            args += [mid, endpoint.id, self.sealer.seal(body, self._record(mid))]
        keys = [self.messages, self.due, self.wake, *map(self._key, ids)]
        return int(await self._enqueue(keys=keys, args=args))

    def body_of(self, message: Message) -> bytes:
        return self.sealer.open(message.sealed_body, self._record(message.id))

    async def get(self, message_id: str) -> Message | None:
        fields = cast(dict[bytes, bytes], await self.redis.hgetall(self._key(message_id)))
        return _message(message_id, fields) if fields else None

    async def _many(self, ids: Sequence[str]) -> list[Message]:
        async with self.redis.pipeline(transaction=False) as pipe:
            for mid in ids:
                pipe.hgetall(self._key(mid))
            found = await pipe.execute()
        return [_message(mid, fields) for mid, fields in zip(ids, found, strict=True) if fields]

    async def claim_due(self, now_ms: int, lease_ms: int, limit: int) -> list[Message]:
        """The messages due now (at most `limit`), held for this dispatcher for the lease."""
        claimed = await self._claim(keys=[self.due], args=[now_ms, now_ms + lease_ms, limit])
        messages = await self._many([raw.decode() for raw in claimed])
        gone = {raw.decode() for raw in claimed} - {message.id for message in messages}
        if gone:  # expired after delivery, yet claimed: nothing is left to send
            await self.redis.zrem(self.due, *gone)
        return messages

    async def next_due_ms(self) -> int | None:
        first = await self.redis.zrange(self.due, 0, 0, withscores=True)
        return int(first[0][1]) if first else None

    async def wake_up(self) -> None:
        """Wake a dispatcher waiting for work (one is enough: the others poll)."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.rpush(self.wake, 1)
            pipe.ltrim(self.wake, -1, -1)
            await pipe.execute()

    async def wait_for_work(self, timeout_s: float) -> None:
        """Return when something was enqueued, or after `timeout_s`."""
        await self.redis.blpop([self.wake], timeout=max(timeout_s, 0.01))

    def _record_attempt(
        self, pipe: Pipeline | ClusterPipeline, message: Message, attempt: Attempt
    ) -> None:
        entry = {
            "at_ms": attempt.at_ms,
            "status": attempt.status,
            "error": attempt.error,
            "duration_ms": attempt.duration_ms,
        }
        pipe.lpush(self._attempts_key(message.id), orjson.dumps(entry))
        pipe.ltrim(self._attempts_key(message.id), 0, ATTEMPTS_KEPT - 1)
        pipe.hincrby(self._key(message.id), "attempts", 1)
        pipe.hset(
            self._key(message.id),
            mapping={"last_status": attempt.status or "", "last_error": attempt.error},
        )

    async def delivered(self, message: Message, attempt: Attempt, retention_s: float) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            self._record_attempt(pipe, message, attempt)
            pipe.hset(
                self._key(message.id),
                mapping={"status": "delivered", "delivered_ms": attempt.at_ms, "next_ms": ""},
            )
            pipe.zrem(self.due, message.id)
            pipe.zrem(self.failures, message.id)
            for key in (self._key(message.id), self._attempts_key(message.id)):
                pipe.expire(key, max(int(retention_s), 1))
            await pipe.execute()

    async def retry(self, message: Message, attempt: Attempt, next_ms: int) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            self._record_attempt(pipe, message, attempt)
            pipe.hset(self._key(message.id), mapping={"status": "pending", "next_ms": next_ms})
            pipe.zadd(self.due, {message.id: next_ms})
            await pipe.execute()

    async def failed(self, message: Message, attempt: Attempt | None, now_ms: int) -> None:
        """The message used all its attempts (or its endpoint is disabled): it waits in the
        failed list for a replay. `attempt` None: it was not even tried."""
        async with self.redis.pipeline(transaction=True) as pipe:
            if attempt is not None:
                self._record_attempt(pipe, message, attempt)
            pipe.hset(
                self._key(message.id),
                mapping={"status": "failed", "failed_ms": now_ms, "next_ms": ""},
            )
            pipe.zrem(self.due, message.id)
            pipe.zadd(self.failures, {message.id: message.created_ms})
            await pipe.execute()

    async def not_sendable(self, message: Message, reason: str, now_ms: int) -> None:
        """A message that cannot be sent now (its endpoint disabled): failed, with why."""
        await self.redis.hset(self._key(message.id), "last_error", reason)
        await self.failed(message, None, now_ms)

    async def discard(self, message: Message) -> None:
        """Its endpoint was removed: nothing is owed to it any more."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zrem(self.due, message.id)
            pipe.zrem(self.failures, message.id)
            pipe.delete(self._key(message.id), self._attempts_key(message.id))
            await pipe.execute()

    async def failed_messages(
        self, since_ms: int | None = None, limit: int = 100, after_ms: int | None = None
    ) -> list[Message]:
        """Messages that used all their attempts, oldest first (made since `since_ms`, or
        after `after_ms`, a page's last)."""
        low: str | int = "-inf" if since_ms is None else since_ms
        if after_ms is not None:
            low = f"({after_ms}"
        ids = cast(
            list[bytes],
            await self.redis.zrangebyscore(self.failures, low, "+inf", start=0, num=limit),
        )
        return await self._many([raw.decode() for raw in ids])

    async def pending(self, limit: int = 100) -> list[Message]:
        """Messages still to be sent, the soonest due first."""
        ids = cast(list[bytes], await self.redis.zrange(self.due, 0, limit - 1))
        return await self._many([raw.decode() for raw in ids])

    async def failed_count(self) -> int:
        return int(await self.redis.zcard(self.failures))

    async def attempts_of(self, message_id: str) -> list[Attempt]:
        """The message's attempts, latest first."""
        raw = await self.redis.lrange(self._attempts_key(message_id), 0, -1)
        return [Attempt(**orjson.loads(entry)) for entry in raw]

    async def rewrite_unsent(self, rewrite: Callable[[bytes], bytes | None]) -> int:
        """Pass the body of every message not delivered yet (pending or failed) through
        `rewrite`, which answers a new body or None to leave it; how many changed."""
        due = cast(list[bytes], await self.redis.zrange(self.due, 0, -1))
        failed = cast(list[bytes], await self.redis.zrange(self.failures, 0, -1))
        changed = 0
        for message in await self._many([raw.decode() for raw in (*due, *failed)]):
            body = rewrite(self.body_of(message))
            if body is not None:
                sealed = self.sealer.seal(body, self._record(message.id))
                await self.redis.hset(self._key(message.id), "body", sealed)
                changed += 1
        return changed

    async def replay(self, message_id: str, now_ms: int) -> bool:
        """Send a kept message again, with the same `webhook-id`, a fresh set of attempts.
        False when there is no such message (never made, or expired)."""
        key = self._key(message_id)
        if not await self.redis.exists(key):
            return False
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping={"status": "pending", "attempts": 0, "next_ms": now_ms})
            pipe.hdel(key, "failed_ms")
            pipe.persist(key)
            pipe.persist(self._attempts_key(message_id))
            pipe.zrem(self.failures, message_id)
            pipe.zadd(self.due, {message_id: now_ms})
            await pipe.execute()
        await self.wake_up()
        return True

    async def replay_failed_since(self, since_ms: int, now_ms: int) -> list[str]:
        """Replay every failed message made since `since_ms`; their ids."""
        found = cast(list[bytes], await self.redis.zrangebyscore(self.failures, since_ms, "+inf"))
        ids = [raw.decode() for raw in found]
        return [mid for mid in ids if await self.replay(mid, now_ms)]
