"""What else of a finished dossier Redis keeps, taken out with its events by `jasa log
archive` (services.reporting.trimming), so that Redis's memory follows the hot window:

- the data keys that seal its personal data (its own, its letter's), moved to the archive's
  database (shared.tiered_data_keys), where every reader and an erasure still find them;
- its handover's entry on the courier feed, a manifest of names, addresses and phones in
  clear that the third party read long ago: deleted once every group of the feed has read
  and acknowledged it (a letter whose entry is not read yet waits in a small set, looked at
  again by every run). The feed's mark of the letter stays, so no rebuild of the courier's
  read model publishes it again.

Everything else a dossier leaves in Redis expires by itself (idempotency records, sessions,
delivered webhook messages) or is one small entry per stream (the trimmed counts, which keep
a trimmed stream's version) or per message (the webhook outbox's set of message ids, which
keeps a replayed event from sending twice)."""

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, cast

from redis.exceptions import ResponseError

from services.reporting.finished import sealing_subject
from shared.keys import Keys
from shared.redis_client import AsyncRedis
from shared.store import position_key
from shared.tiered_data_keys import TieredDataKeys

Step = Callable[[str], Awaitable[None]]


async def consumed_by_every_group(redis: AsyncRedis, stream: str) -> tuple[int, int] | None:
    """The position before which every consumer group of `stream` has read and acknowledged
    every entry (None: the stream has no group). An entry after it may still be handed to a
    group, so it stays: a group that stopped reading holds it back until it reads again, or
    is destroyed."""
    try:
        groups = await redis.xinfo_groups(stream)
    except ResponseError:  # no such stream
        return None
    limits = []
    for group in groups:
        limits.append(position_key(_text(group["last-delivered-id"])))
        if int(group["pending"]):
            oldest = await redis.xpending(stream, group["name"])
            limits.append(position_key(_text(oldest["min"])))
    return min(limits, default=None)


class Belongings:
    """One office's keys of finished dossiers, beside their trimmed events."""

    def __init__(self, redis: AsyncRedis, keys: Keys, data_keys: TieredDataKeys) -> None:
        self.redis, self.keys, self.data_keys = redis, keys, data_keys
        self.finished_handovers = keys.scoped("courier-feed:finished")  # letters, until read
        # Set once the batches trimmed before belongings were taken out have had theirs.
        self.caught_up_mark = keys.scoped("archiving:belongings-caught-up")

    async def take_out(self, trimmed: Sequence[Mapping[str, Any]], step: Step) -> int:
        """Of the events just trimmed (their canonical JSON, parsed): their data keys to the
        archive, their handovers' letters to the finished set; how many keys left Redis."""
        subjects = [s for s in map(sealing_subject, trimmed) if s is not None]

        async def copied() -> None:
            await step("keys copied")

        moved = await self.data_keys.move_to_archive(subjects, copied)
        letters = [str(body["data"]["letter_id"]) for body in trimmed if _is_handover(body)]
        if letters:
            await self.redis.sadd(self.finished_handovers, *letters)
        return moved

    async def caught_up(self) -> bool:
        return bool(await self.redis.exists(self.caught_up_mark))

    async def mark_caught_up(self) -> None:
        await self.redis.set(self.caught_up_mark, b"1")

    async def forget_feed_entries(self) -> int:
        """Delete the feed entries of finished handovers that every group of the feed has
        read and acknowledged; how many."""
        letters = sorted(_text(m) for m in await self.redis.smembers(self.finished_handovers))
        if not letters:
            return 0
        marks = cast(
            list[bytes | None], await self.redis.hmget(self.keys.courier_feed_marks, letters)
        )
        read = await consumed_by_every_group(self.redis, self.keys.courier_feed)
        done, entries = [], []
        for letter, mark in zip(letters, marks, strict=True):
            if mark is None:  # never published: nothing to delete
                done.append(letter)
            elif read is None or position_key(_text(mark)) < read:
                done.append(letter)
                entries.append(_text(mark))
        if entries:
            await self.redis.xdel(self.keys.courier_feed, *entries)
        if done:
            await self.redis.srem(self.finished_handovers, *done)
        return len(entries)


def _is_handover(body: Mapping[str, Any]) -> bool:
    return body.get("type") == "HandoverAccepted"


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
