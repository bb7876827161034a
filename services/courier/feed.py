"""The courier feed: the stream the third party's own system reads, one entry per handover
that became ready (its letter signed), carrying the manifest without any NIK.

The projection's SQL commit and this XADD cannot be one transaction, so the feed keeps
its own mark: one Lua step adds the entry and records the letter as published, and
does nothing when the letter was published before. A redelivered LetterSigned, or one
handled again after a crash between the XADD and the commit, never adds a second entry.

Each entry has the fields `letter_id` and `__data__` (the manifest as JSON; the field
name FastStream reads a stream message's body from)."""

from typing import cast

import orjson
from pydantic import BaseModel

from shared.keys import Keys
from shared.redis_client import AsyncRedis

_PUBLISH_ONCE = """
local published = redis.call('HGET', KEYS[2], ARGV[1])
if published then return published end
local entry_id = redis.call('XADD', KEYS[1], '*', 'letter_id', ARGV[1], '__data__', ARGV[2])
redis.call('HSET', KEYS[2], ARGV[1], entry_id)
return entry_id
"""


class CourierFeed:
    def __init__(self, redis: AsyncRedis, keys: Keys) -> None:
        self.stream = keys.courier_feed
        # letter_id -> feed entry id; the feed's hash tag, so one Lua step holds both keys
        self.marks = keys.courier_feed_marks
        self._publish_once = redis.register_script(_PUBLISH_ONCE)

    async def publish(self, letter_id: str, manifest: BaseModel) -> str:
        """Add the handover's manifest to the feed unless it is there already; its entry id."""
        body = orjson.dumps(manifest.model_dump(mode="json"))
        entry_id = await self._publish_once(keys=[self.stream, self.marks], args=[letter_id, body])
        return cast(bytes, entry_id).decode()
