"""How far a service's consumer group has got in its office's log, as Redis knows it: every
process of the service shares the group and its read model, and an event leaves the pending
list only once its effect is committed. A read that must see a write waits on this."""

import asyncio

from redis.exceptions import ResponseError

from shared.keys import Keys
from shared.redis_client import AsyncRedis
from shared.store import position_key


class GroupProgress:
    def __init__(self, redis: AsyncRedis, keys: Keys, group: str) -> None:
        self.redis, self.keys, self.group = redis, keys, group

    async def has_applied(self, position: str) -> bool:
        """Whether the group has applied every event of the log up to `position`: all handed
        over, none still pending (an event is acked only once its effect is committed). A
        dead-lettered event counts as applied: no wait would ever see it applied."""
        log, group = self.keys.log, self.group
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.xinfo_groups(log)
                pipe.xpending_range(log, group, min="-", max=position, count=1)
                groups, pending = await pipe.execute()
        except ResponseError:  # no log or no group yet (or lost): nothing is applied
            return False
        delivered = next(
            (_text(g["last-delivered-id"]) for g in groups if _text(g["name"]) == group), None
        )
        if delivered is None or pending:
            return False
        if position_key(delivered) >= position_key(position):
            return True
        # Delivered up to an earlier event: applied if the log holds none after it up to
        # `position` (an event appended since is one not handed over yet).
        return not await self.redis.xrange(log, f"({delivered}", position, count=1)

    async def wait_until_applied(self, position: str, within_s: float) -> bool:
        """`has_applied`, asked again until it holds or `within_s` has passed (then False)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within_s
        pause = 0.005
        while not await self.has_applied(position):
            left = deadline - loop.time()
            if left <= 0:
                return False
            await asyncio.sleep(min(pause, left))
            pause = min(pause * 2, 0.05)
        return True

    async def last_position(self) -> str | None:
        """The position of the last event the log holds now (None while it is empty)."""
        entries = await self.redis.xrevrange(self.keys.log, count=1)
        return _text(entries[0][0]) if entries else None


def _text(value: object) -> str:
    """A reply's id or name as text, whether redis-py decoded it or not."""
    return value.decode() if isinstance(value, bytes) else str(value)
