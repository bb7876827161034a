"""What a consumer group records of each delivery of an event: how often it was handed
over, a delivery given back (it did not count), and the dead-letter stream an event goes to
when its deliveries are spent. And the one notice an outage of the database gets, however
many events wait it out. Used by the consumer runtime (shared.consumer)."""

import logging
import time
import traceback
from collections.abc import Sequence
from datetime import UTC, datetime

from shared.db import root_cause
from shared.keys import Keys
from shared.redis_client import AsyncRedis

log = logging.getLogger("jasa.consumer")

# Gives deliveries back (KEYS[1] the log; ARGV: group, consumer, entry ids): each entry's
# delivery count goes back by one (RETRYCOUNT; JUSTID itself counts nothing) and its idle
# time starts again, so it is claimed again after `claim_idle_ms`. Only an entry this
# consumer still holds: one another consumer claimed meanwhile is theirs to count.
GIVE_BACK = """
for i = 3, #ARGV do
  local held = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)[1]
  if held and held[2] == ARGV[2] then
    local count = math.max(tonumber(held[4]) - 1, 0)
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'RETRYCOUNT', count, 'JUSTID')
  end
end
return 0
"""


class Deliveries:
    """The deliveries of one group's consumer on one office log."""

    def __init__(self, redis: AsyncRedis, keys: Keys, group: str, consumer: str) -> None:
        self.redis, self.log, self.group, self.consumer = redis, keys.log, group, consumer
        self.dead_letter_stream = keys.dead_letters(group)
        self._give_back_script = redis.register_script(GIVE_BACK)

    async def count(self, entry_id: bytes) -> int:
        """How often the group has handed this entry over (1 once it is not pending)."""
        pending = await self.redis.xpending_range(
            self.log, self.group, min=entry_id, max=entry_id, count=1
        )
        return int(pending[0]["times_delivered"]) if pending else 1

    async def claim_idle(
        self, min_idle_ms: int, count: int
    ) -> tuple[list[bytes], list[dict[bytes, bytes]]]:
        """Up to `count` entries pending with the group for longer than `min_idle_ms`, oldest
        first, claimed by this consumer (their ids and fields)."""
        _, claimed, *_ = await self.redis.xautoclaim(
            self.log, self.group, self.consumer, min_idle_ms, start_id="0-0", count=count
        )
        return [entry_id for entry_id, _ in claimed], [fields for _, fields in claimed]

    async def give_back(self, entry_ids: Sequence[bytes]) -> None:
        """These deliveries count for nothing: the entries stay pending, as if not handed
        over this time (see `GIVE_BACK`)."""
        await self._give_back_script(keys=[self.log], args=[self.group, self.consumer, *entry_ids])

    async def dead_letter(
        self, entry_id: bytes, fields: dict[bytes, bytes], error: BaseException, deliveries: int
    ) -> None:
        """The entry, with its error, onto the group's dead-letter stream; acknowledged."""
        log.error(
            "event %s dead-lettered by %s after %d deliveries: %r",
            entry_id.decode(),
            self.group,
            deliveries,
            error,
        )
        reason = "".join(traceback.format_exception_only(type(error), error)).strip()
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.xadd(
                self.dead_letter_stream,
                {
                    b"position": entry_id,
                    b"event": fields.get(b"event", b""),
                    b"type": fields.get(b"type", b""),
                    b"group": self.group.encode(),
                    b"error": reason.encode()[:4000],
                    b"deliveries": str(deliveries).encode(),
                    b"failed_at": datetime.now(UTC).isoformat().encode(),
                },
            )
            pipe.xack(self.log, self.group, entry_id)
            await pipe.execute()


class Outage:
    """One warning when the database is first found out of reach, one when it answers
    again: not one per event, as thousands may wait it out."""

    def __init__(self, group: str) -> None:
        self.group = group
        self._since: float | None = None  # monotonic time the outage was met

    def met(self, error: BaseException) -> None:
        if self._since is None:
            self._since = time.monotonic()
            log.warning(
                "consumer group %s: the database cannot be reached (%s); events stay pending "
                "and are tried again until it answers",
                self.group,
                root_cause(error),
            )

    def over(self) -> None:
        if self._since is not None:
            log.warning(
                "consumer group %s: the database answers again after %.0f s; the events that "
                "waited are applied now",
                self.group,
                time.monotonic() - self._since,
            )
            self._since = None
