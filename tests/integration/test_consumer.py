import asyncio
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from faststream.redis import RedisBroker
from redis.asyncio import Redis

from shared.consumer import ConsumerOptions, EventConsumer, PageHandler
from shared.keys import Keys
from shared.log import EventLog
from tests.factories import flagged
from tests.integration.sample_projection import SampleProjection
from tests.polling import wait_until

ROOT = Path(__file__).resolve().parents[2]


async def append_notes(event_log: EventLog, *notes: str) -> None:
    for note in notes:
        event = flagged(uuid.uuid4(), note=note)
        await event_log.append(event.stream_id, [event], expected_version=0)


@pytest.fixture
async def projection(tmp_path: Path) -> AsyncIterator[SampleProjection]:
    sample = SampleProjection(tmp_path / "projection.db", fail_on_note="poison-pill")
    await sample.setup()
    yield sample
    await sample.close()


@pytest.fixture
async def start_consumer(
    redis_url: str, redis: Redis, keys: Keys
) -> AsyncIterator[Callable[..., EventConsumer]]:
    started: list[EventConsumer] = []

    async def start(handle, **options) -> EventConsumer:  # type: ignore[no-untyped-def]
        consumer = EventConsumer(
            RedisBroker(redis_url),
            redis,
            keys,
            ConsumerOptions(
                group="sample",
                consumer=f"c-{uuid.uuid4().hex[:6]}",
                claim_idle_ms=200,
                recover_every_s=0.2,
                **options,
            ),
            handle,
        )
        await consumer.start()
        started.append(consumer)
        return consumer

    yield start  # type: ignore[misc]
    for consumer in started:
        await consumer.stop()


async def test_every_event_is_applied_once_and_acknowledged(
    event_log: EventLog, projection: SampleProjection, start_consumer, redis: Redis, keys: Keys
) -> None:  # type: ignore[no-untyped-def]
    await append_notes(event_log, *[f"n{i}" for i in range(20)])
    await start_consumer(projection.handle)
    await wait_until(lambda: _equals(projection.count(), 20))
    assert (await redis.xpending(keys.log, "sample"))["pending"] == 0


async def test_a_handler_that_always_fails_sends_its_event_to_the_dead_letters_and_goes_on(
    event_log: EventLog, projection: SampleProjection, start_consumer, redis: Redis, keys: Keys
) -> None:  # type: ignore[no-untyped-def]
    await append_notes(event_log, "a", "b", "poison-pill", "c", "d")
    poisoned = (await event_log.read())[2].position
    await start_consumer(projection.handle, max_deliveries=3)
    dead_letters = keys.dead_letters("sample")
    await wait_until(lambda: _equals(redis.xlen(dead_letters), 1))
    [(_, entry)] = await redis.xrange(dead_letters)
    assert entry[b"position"].decode() == poisoned
    assert b"cannot apply the event noted 'poison-pill'" in entry[b"error"]
    assert int(entry[b"deliveries"]) == 3
    await wait_until(lambda: _equals(projection.count(), 4))
    assert sorted(row.note for row in await projection.rows()) == ["a", "b", "c", "d"]
    await wait_until(lambda: _pending_is(redis, keys, 0))


async def test_a_page_handler_gets_what_was_read_at_once_and_each_event_is_applied_once(
    event_log: EventLog, projection: SampleProjection, start_consumer, redis: Redis, keys: Keys
) -> None:  # type: ignore[no-untyped-def]
    await append_notes(event_log, *[f"n{i}" for i in range(30)])
    await start_consumer(PageHandler(projection.apply_page))
    await wait_until(lambda: _equals(projection.count(), 30))
    await wait_until(lambda: _pending_is(redis, keys, 0))
    assert max(projection.pages) > 1  # the 30 events were there before the consumer read
    assert sum(projection.pages) == 30


async def test_a_page_handler_fed_a_trickle_gets_what_arrived_while_it_gathered_as_one_page(
    event_log: EventLog, projection: SampleProjection, start_consumer, redis: Redis, keys: Keys
) -> None:  # type: ignore[no-untyped-def]
    await start_consumer(PageHandler(projection.apply_page), gather_ms=2000)
    await append_notes(event_log, "first")
    await wait_until(lambda: _equals(projection.count(), 1))
    await append_notes(event_log, "a", "b", "c", "d")  # while the consumer gathers
    await wait_until(lambda: _equals(projection.count(), 5))
    await wait_until(lambda: _pending_is(redis, keys, 0))
    assert projection.pages == [1, 4]


async def test_a_page_that_fails_is_applied_one_by_one_and_only_its_poison_is_dead_lettered(
    event_log: EventLog, projection: SampleProjection, start_consumer, redis: Redis, keys: Keys
) -> None:  # type: ignore[no-untyped-def]
    await append_notes(event_log, "a", "b", "poison-pill", "c", "d")
    poisoned = (await event_log.read())[2].position
    await start_consumer(PageHandler(projection.apply_page), max_deliveries=3)
    dead_letters = keys.dead_letters("sample")
    await wait_until(lambda: _equals(redis.xlen(dead_letters), 1))
    [(_, entry)] = await redis.xrange(dead_letters)
    assert entry[b"position"].decode() == poisoned
    assert int(entry[b"deliveries"]) == 3
    await wait_until(lambda: _pending_is(redis, keys, 0))
    assert sorted(row.note for row in await projection.rows()) == ["a", "b", "c", "d"]


async def test_an_event_no_code_can_read_is_dead_lettered_at_once(
    event_log: EventLog, projection: SampleProjection, start_consumer, redis: Redis, keys: Keys
) -> None:  # type: ignore[no-untyped-def]
    await append_notes(event_log, "before")
    await redis.xadd(keys.log, {"type": "Teleported", "event": b'{"type": "Teleported"}'})
    await redis.xadd(keys.log, {"event": b"not json at all"})
    await append_notes(event_log, "after")
    await start_consumer(projection.handle, max_deliveries=3)
    await wait_until(lambda: _equals(redis.xlen(keys.dead_letters("sample")), 2))
    errors = [entry[b"error"] for _, entry in await redis.xrange(keys.dead_letters("sample"))]
    assert b"unknown event type 'Teleported'" in errors[0]
    await wait_until(lambda: _equals(projection.count(), 2))


async def test_an_entry_whose_bytes_are_not_text_is_dead_lettered_at_once_too(
    event_log: EventLog, projection: SampleProjection, start_consumer, redis: Redis, keys: Keys
) -> None:  # type: ignore[no-untyped-def]
    # FastStream made a JSON body of every entry before the handler ran; bytes that are not
    # UTF-8 made that fail, and the entry was claimed and failed again forever, never
    # dead-lettered.
    garbled = await redis.xadd(keys.log, {"type": "DocumentFlagged", "event": b"\xff\xfe{"})
    await append_notes(event_log, "after")
    await start_consumer(projection.handle, max_deliveries=3)
    await wait_until(lambda: _equals(redis.xlen(keys.dead_letters("sample")), 1))
    [(_, entry)] = await redis.xrange(keys.dead_letters("sample"))
    assert entry[b"position"] == garbled
    assert entry[b"event"] == b"\xff\xfe{"
    await wait_until(lambda: _equals(projection.count(), 1))
    await wait_until(lambda: _pending_is(redis, keys, 0))


async def test_the_consumer_group_deleted_under_a_running_consumer_is_recovered(
    event_log: EventLog, projection: SampleProjection, start_consumer, redis: Redis, keys: Keys
) -> None:  # type: ignore[no-untyped-def]
    await append_notes(event_log, "one", "two")
    consumer = await start_consumer(projection.handle)
    await wait_until(lambda: _equals(projection.count(), 2))
    await redis.xgroup_destroy(keys.log, "sample")
    await append_notes(event_log, "three")
    await wait_until(lambda: _equals(projection.count(), 3))
    assert consumer.recoveries >= 1
    assert consumer.running


async def test_the_log_vanishing_as_in_a_redis_restarted_empty_is_recovered(
    event_log: EventLog, projection: SampleProjection, start_consumer, redis: Redis, keys: Keys
) -> None:  # type: ignore[no-untyped-def]
    await append_notes(event_log, "old")
    consumer = await start_consumer(projection.handle)
    await wait_until(lambda: _equals(projection.count(), 1))
    await redis.delete(keys.log)
    await wait_until(lambda: _recovered(consumer))
    await append_notes(event_log, "new")
    await wait_until(lambda: _equals(projection.count(), 2))


async def test_a_consumer_killed_before_acknowledging_leaves_its_events_to_another(
    redis_url: str,
    key_prefix: str,
    event_log: EventLog,
    tmp_path: Path,
    redis: Redis,
    keys: Keys,
) -> None:
    database = tmp_path / "projection.db"
    marker = tmp_path / "reading"
    await append_notes(event_log, "n0", "n1", "stuck", "n3", "n4")

    def worker(name: str, *extra: str) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.integration.consumer_worker",
                "--redis-url",
                redis_url,
                "--prefix",
                key_prefix,
                "--database",
                str(database),
                "--consumer",
                name,
                *extra,
            ],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )

    first = worker("first", "--hang-on-note", "stuck", "--reading-marker", str(marker))
    try:
        await wait_until(lambda: _exists(marker), within=30)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        pending = await redis.xpending(keys.log, "sample")
        assert pending["pending"] >= 1  # read by the dead consumer, never acknowledged
        await append_notes(event_log, "n5", "n6")
        second = worker("second")
        try:
            projection = SampleProjection(database)
            await wait_until(lambda: _equals(projection.count(), 7), within=30)
            await wait_until(lambda: _pending_is(redis, keys, 0), within=30)
            rows = await projection.rows()
            assert sorted(row.note for row in rows) == sorted(
                ["n0", "n1", "stuck", "n3", "n4", "n5", "n6"]
            )
            await projection.close()
        finally:
            second.terminate()
            second.wait(10)
    finally:
        if first.poll() is None:
            first.kill()


async def _equals(value, expected: int) -> bool:  # type: ignore[no-untyped-def]
    return int(await value) == expected


async def _pending_is(redis: Redis, keys: Keys, expected: int) -> bool:
    return int((await redis.xpending(keys.log, "sample"))["pending"]) == expected


async def _exists(path: Path) -> bool:
    return await asyncio.to_thread(path.exists)


async def _recovered(consumer: EventConsumer) -> bool:
    await asyncio.sleep(0)
    return consumer.recoveries >= 1 and consumer.running


async def test_an_event_slower_than_the_claim_idle_time_is_applied_by_one_run_only(
    event_log: EventLog, start_consumer, redis: Redis, keys: Keys
) -> None:  # type: ignore[no-untyped-def]
    runs: list[str] = []

    async def slow(event) -> None:  # type: ignore[no-untyped-def]
        runs.append(event.position)
        await asyncio.sleep(1.0)  # five times the claim idle time of 200 ms

    await append_notes(event_log, "slow")
    await start_consumer(slow)
    await wait_until(lambda: _pending_is(redis, keys, 0), within=20)
    assert len(runs) == 1


async def test_an_event_that_fails_slower_than_the_claim_idle_time_gets_all_its_deliveries(
    event_log: EventLog, start_consumer, redis: Redis, keys: Keys
) -> None:  # type: ignore[no-untyped-def]
    # Claimed again while it still ran (as a connection attempt into a cut network runs):
    # those deliveries never reached the handler and count for nothing.
    runs: list[str] = []

    async def slow_and_failing(event) -> None:  # type: ignore[no-untyped-def]
        runs.append(event.position)
        await asyncio.sleep(0.8)  # four times the claim idle time of 200 ms
        raise RuntimeError("a bug, found slowly")

    await append_notes(event_log, "slow")
    await start_consumer(slow_and_failing, max_deliveries=2)
    await wait_until(lambda: _equals(redis.xlen(keys.dead_letters("sample")), 1), within=20)
    [(_, entry)] = await redis.xrange(keys.dead_letters("sample"))
    assert int(entry[b"deliveries"]) == 2
    assert len(runs) == 2
