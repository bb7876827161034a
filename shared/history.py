"""A consumer group created over a log whose finished past was archived and trimmed.

A group created at the start of Redis's log would never see the trimmed events. So the
group is created at the trim point instead, after the events up to it (the archive's and
Redis's, merged in the log's order by the tiered store) were fed to the handler: then the
group reads on from the trim point, and no event is handed twice nor skipped. If the trim
point moved meanwhile (`jasa log archive` ran), the group just made is dropped before
anything read it, the events up to the new point are fed, and it is made again there.
Feeding is repeatable: cut off, the group does not exist yet, and it starts again
(projections skip what they applied)."""

from collections.abc import Awaitable, Callable
from contextlib import aclosing

from redis.exceptions import ResponseError

from shared.events import Envelope, decode_entry
from shared.keys import Keys
from shared.redis_client import AsyncRedis
from shared.store import position_key
from shared.stores.tiered import TieredEventStore

Feed = Callable[[list[Envelope]], Awaitable[None]]


async def create_group(
    redis: AsyncRedis, keys: Keys, group: str, store: TieredEventStore | None, feed: Feed
) -> None:
    """Create `group` on the office log, fed first with what was trimmed before it."""
    fed_up_to = "0-0"
    while True:
        point = await store.hot.trim_point() if store is not None else None
        if store is None or point is None:
            await _create(redis, keys, group, "0")
            return
        if await _exists(redis, keys, group):
            return
        if position_key(point) > position_key(fed_up_to):
            await _feed(store, keys, fed_up_to, point, feed)
            fed_up_to = point
        if not await _create(redis, keys, group, point):
            return  # another process made it
        if await store.hot.trim_point() == point:
            return
        await redis.xgroup_destroy(keys.log, group)


async def _feed(store: TieredEventStore, keys: Keys, after: str, until: str, feed: Feed) -> None:
    async with aclosing(store.pages(after, 500, until)) as pages:
        async for page in pages:
            events = [decode_entry(record.position, record.entry) for record in page]
            await feed([event for event in events if event.office == keys.office])


async def _create(redis: AsyncRedis, keys: Keys, group: str, at: str) -> bool:
    """Create the group at `at` (and the log, if it is not there); False if it exists."""
    try:
        await redis.xgroup_create(keys.log, group, id=at, mkstream=True)
    except ResponseError as error:
        if "BUSYGROUP" not in str(error):
            raise
        return False
    return True


async def _exists(redis: AsyncRedis, keys: Keys, group: str) -> bool:
    try:
        groups = await redis.xinfo_groups(keys.log)
    except ResponseError:  # no log yet
        return False
    names = {info["name"] for info in groups}
    return group in names or group.encode() in names
