import asyncio
import time
import uuid
from contextlib import aclosing
from typing import Any, cast

import pytest
from redis import Redis as SyncRedis
from redis.asyncio import Redis
from redis.crc import key_slot
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.events import decode_entry, encode_for_log, with_fields
from shared.keys import Keys
from shared.log import ConcurrencyConflict, EventLog, IdempotencyMismatch, Write
from shared.stores.tiered import tiered_store
from tests.factories import flagged, registered


async def test_an_appended_event_gets_its_version_and_position_and_loads_back(
    event_log: EventLog,
) -> None:
    event = registered()
    [stored] = await event_log.append(event.stream_id, [event], expected_version=0)
    assert stored.version == 1 and stored.position
    assert await event_log.load(event.stream_id) == [stored]
    assert await event_log.read() == [stored]


async def test_fifty_concurrent_appends_at_one_version_write_exactly_one(
    redis_url: str, keys: Keys
) -> None:
    dossier_id = uuid.uuid4()
    stream_id = f"dossier-{dossier_id}"
    clients = [Redis.from_url(redis_url) for _ in range(10)]
    logs = [EventLog(clients[n % 10], keys) for n in range(50)]

    async def attempt(log: EventLog) -> str:
        try:
            await log.append(stream_id, [registered(dossier_id)], expected_version=0)
            return "written"
        except ConcurrencyConflict:
            return "conflict"

    outcomes = await asyncio.gather(*(attempt(log) for log in logs))
    assert outcomes.count("written") == 1
    assert outcomes.count("conflict") == 49
    assert len(await logs[0].read()) == 1
    assert await logs[0].version(stream_id) == 1
    for client in clients:
        await client.aclose()


async def test_the_same_event_appended_twice_is_stored_once(event_log: EventLog) -> None:
    event = registered()
    first = await event_log.append(event.stream_id, [event], expected_version=0)
    retry = await event_log.append(event.stream_id, [event], expected_version=0)
    assert retry == first
    assert len(await event_log.read()) == 1


async def test_a_retry_after_success_is_not_a_conflict_even_though_the_stream_moved(
    event_log: EventLog,
) -> None:
    event = registered()
    await event_log.append(event.stream_id, [event], expected_version=0)
    await event_log.append(event.stream_id, [flagged(event.data.dossier_id)], 1)  # type: ignore[attr-defined]
    retry = await event_log.append(event.stream_id, [event], expected_version=0)
    assert retry[0].version == 1
    assert len(await event_log.read()) == 2


async def test_a_command_retried_with_only_some_of_its_events_is_refused(
    event_log: EventLog,
) -> None:
    event = registered()
    await event_log.append(event.stream_id, [event], expected_version=0)
    with pytest.raises(IdempotencyMismatch):
        await event_log.append(
            event.stream_id,
            [event, flagged(event.data.dossier_id)],
            expected_version=0,  # type: ignore[attr-defined]
        )
    assert len(await event_log.read()) == 1


async def test_a_command_failing_in_the_middle_writes_none_of_its_events(
    event_log: EventLog,
) -> None:
    taken = registered()
    await event_log.append(taken.stream_id, [taken], expected_version=0)
    first, third = registered(), registered()
    writes = [
        Write(first.stream_id, 0, [first]),
        Write(taken.stream_id, 0, [flagged(taken.data.dossier_id)]),  # type: ignore[attr-defined]
        Write(third.stream_id, 0, [third]),
    ]
    with pytest.raises(ConcurrencyConflict) as conflict:
        await event_log.append_all(writes)
    assert conflict.value.stream_id == taken.stream_id
    assert conflict.value.actual == 1
    assert [e.event_id for e in await event_log.read()] == [taken.event_id]
    assert await event_log.load(first.stream_id) == []
    assert await event_log.load(third.stream_id) == []


async def test_one_command_can_write_several_streams_in_one_total_order(
    event_log: EventLog,
) -> None:
    a, b = registered(), registered()
    a2 = flagged(a.data.dossier_id)  # type: ignore[attr-defined]
    stored = await event_log.append_all(
        [Write(a.stream_id, 0, [a, a2]), Write(b.stream_id, 0, [b])]
    )
    assert [e.version for e in stored] == [1, 2, 1]
    assert [e.event_id for e in await event_log.read()] == [a.event_id, a2.event_id, b.event_id]
    assert [e.event_id for e in await event_log.load(a.stream_id)] == [a.event_id, a2.event_id]


async def test_the_global_log_is_read_in_pages_from_a_position(event_log: EventLog) -> None:
    for _ in range(25):
        event = registered()
        await event_log.append(event.stream_id, [event], expected_version=0)
    pages, after = [], "0-0"
    while page := await event_log.read(after=after, limit=10):
        pages.append(page)
        after = page[-1].position or after
    assert [len(p) for p in pages] == [10, 10, 5]
    positions = [e.position for p in pages for e in p]
    assert positions == sorted(positions, key=lambda p: tuple(map(int, p.split("-"))))  # type: ignore[union-attr]


async def test_going_through_the_log_gives_every_page_once_in_order(event_log: EventLog) -> None:
    appended = []
    for _ in range(25):
        event = registered()
        appended += await event_log.append(event.stream_id, [event], expected_version=0)
    pages = [list(page) async for page in event_log.pages(limit=10)]
    assert [len(p) for p in pages] == [10, 10, 5]
    assert [e.event_id for p in pages for e in p] == [e.event_id for e in appended]
    assert [e.position for p in pages for e in p] == [e.position for e in appended]
    # up to and including a position; and from one
    upto = appended[12].position
    raw = [page async for page in event_log.raw_pages(limit=10, until=upto)]
    assert [len(p) for p in raw] == [10, 3]
    assert raw[-1][-1][0].decode() == upto
    rest = [e async for p in event_log.pages(after=upto or "0-0", limit=100) for e in p]
    assert [e.position for e in rest] == [e.position for e in appended[13:]]


async def test_a_page_short_of_the_limit_ends_the_pages_without_another_read(
    event_log: EventLog, redis: Redis
) -> None:
    for _ in range(25):
        event = registered()
        await event_log.append(event.stream_id, [event], expected_version=0)
    before = await xrange_calls(redis)
    pages = [list(page) async for page in event_log.pages(limit=10)]
    assert [len(page) for page in pages] == [10, 10, 5]
    assert await xrange_calls(redis) - before == 3  # the third page, of 5, was the last read
    before = await xrange_calls(redis)
    assert [len(page) async for page in event_log.raw_pages(limit=5)] == [5] * 5
    assert await xrange_calls(redis) - before == 6  # full pages to the end: one empty read


@pytest.mark.parametrize("tiered", [False, True], ids=["redis", "tiered"])
@pytest.mark.parametrize("socket_timeout", [None, 2.0])
async def test_the_next_page_is_read_while_the_caller_folds_this_one_without_awaiting(
    redis_url: str,
    keys: Keys,
    socket_timeout: float | None,
    tiered: bool,
    empty_sqlite: AsyncEngine,
) -> None:
    client = Redis.from_url(redis_url, socket_timeout=socket_timeout)  # the services set one
    # The services read through the tiered store (nothing archived here: Redis's pages alone).
    event_log = EventLog(tiered_store(client, keys, empty_sqlite) if tiered else client, keys)
    for _ in range(4):
        event = registered()
        await event_log.append(event.stream_id, [event], expected_version=0)
    # A blocking client looks, so that the event loop does not turn while the caller "folds".
    looking = SyncRedis.from_url(redis_url)
    try:
        before = xrange_calls_now(looking)
        async with aclosing(event_log.pages(limit=2)) as pages:
            async for _ in pages:
                # this page's read, and the next one's
                assert xrange_calls_awaited(looking, before + 2) == before + 2
                break
    finally:
        looking.close()
        await client.aclose()


def xrange_calls_now(redis: SyncRedis) -> int:
    stats = cast(dict[str, Any], redis.info("commandstats"))
    return int(stats.get("cmdstat_xrange", {}).get("calls", 0))


def xrange_calls_awaited(redis: SyncRedis, count: int, within: float = 1.0) -> int:
    """The XRANGE calls run, once there are `count` or `within` seconds have passed; blocking,
    as the caller under test folds a page (the event loop does not turn meanwhile)."""
    deadline = time.monotonic() + within
    while (calls := xrange_calls_now(redis)) < count and time.monotonic() < deadline:
        time.sleep(0.01)
    return calls


async def xrange_calls(redis: Redis) -> int:
    """How many XRANGE commands the suite's server has run (the log's pages are read so)."""
    stats = await redis.info("commandstats")
    return int(stats.get("cmdstat_xrange", {}).get("calls", 0))


@pytest.mark.parametrize("tiered", [False, True], ids=["redis", "tiered"])
async def test_leaving_the_pages_early_leaves_no_read_running(
    redis: Redis, keys: Keys, tiered: bool, empty_sqlite: AsyncEngine
) -> None:
    event_log = EventLog(tiered_store(redis, keys, empty_sqlite) if tiered else redis, keys)
    for _ in range(5):
        event = registered()
        await event_log.append(event.stream_id, [event], expected_version=0)
    for pages in (event_log.raw_pages(limit=2), event_log.pages(limit=2)):
        before = asyncio.all_tasks()
        first: Any = list(await anext(pages))  # type: ignore[call-overload]
        await pages.aclose()  # type: ignore[union-attr]  # the read asked for ahead is cancelled
        assert len(first) == 2
        await asyncio.sleep(0)
        assert all(task.done() for task in asyncio.all_tasks() - before)


async def test_an_entry_written_in_another_order_reads_as_the_log_writes_it(
    event_log: EventLog, redis: Redis, keys: Keys
) -> None:
    first, second = registered(), registered()
    [stored] = await event_log.append(first.stream_id, [first], expected_version=0)
    body = encode_for_log(second)
    await redis.xadd(keys.log, {"event": body, "type": second.type})
    await redis.xadd(keys.log, {"event": body, "type": second.type, "by": "x"})
    raw = await event_log.read_raw()
    assert [sorted(fields) for _, fields in raw] == [[b"event", b"type"]] * 2 + [
        [b"by", b"event", b"type"]
    ]
    [page] = [list(page) async for page in event_log.pages()]
    assert page == [decode_entry(entry_id, fields) for entry_id, fields in raw]
    assert page[0] == stored
    assert page[1] == with_fields(second, position=raw[1][0].decode())


async def test_loading_an_aggregate_reads_only_its_own_stream(
    event_log: EventLog, redis: Redis, keys: Keys
) -> None:
    mine = registered()
    await event_log.append(mine.stream_id, [mine], expected_version=0)
    for _ in range(5):
        other = registered()
        await event_log.append(other.stream_id, [other], expected_version=0)
    await redis.delete(keys.log)  # were the log scanned, the aggregate would now be empty
    assert [e.event_id for e in await event_log.load(mine.stream_id)] == [mine.event_id]


async def test_every_key_of_an_office_carries_its_hash_tag(
    event_log: EventLog, redis: Redis, keys: Keys
) -> None:
    event = registered()
    await event_log.append(event.stream_id, [event], expected_version=0)
    written = [key.decode() async for key in redis.scan_iter(match=f"{keys.prefix}*")]
    assert len(written) == 3
    assert all("{1471}" in key for key in written)
    assert len({key_slot(key.encode()) for key in written}) == 1


async def test_a_page_decodes_each_event_only_when_the_reader_reaches_it(
    event_log: EventLog, redis: Redis, keys: Keys
) -> None:
    first = registered()
    await event_log.append(first.stream_id, [first], expected_version=0)
    await redis.xadd(keys.log, {"event": b"{not json", "type": first.type})
    [page] = [page async for page in event_log.pages()]
    assert next(page).event_id == first.event_id  # read although the next entry is broken
    with pytest.raises(ValueError):
        next(page)
