"""Whether a service's consumer group has applied a log position: what read-your-writes
waits on. Applied means every event up to it was handed over and none of them is pending."""

import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from faststream.redis import RedisBroker
from redis.asyncio import Redis

from shared.consumer import ConsumerOptions, EventConsumer
from shared.events import Envelope
from shared.keys import Keys
from shared.log import EventLog
from tests.factories import flagged
from tests.integration.sample_projection import SampleProjection
from tests.polling import wait_until


async def noted(event_log: EventLog, *notes: str) -> list[Envelope]:
    appended = []
    for note in notes:
        event = flagged(uuid.uuid4(), note=note)
        appended += await event_log.append(event.stream_id, [event], expected_version=0)
    return appended


@pytest.fixture
async def projection(tmp_path: Path) -> AsyncIterator[SampleProjection]:
    sample = SampleProjection(tmp_path / "projection.db", fail_on_note="poison-pill")
    await sample.setup()
    yield sample
    await sample.close()


@pytest.fixture
async def consumer_of(
    redis_url: str, redis: Redis, projection: SampleProjection
) -> AsyncIterator[Callable[[Keys], EventConsumer]]:
    made: list[EventConsumer] = []

    def make(keys: Keys) -> EventConsumer:
        options = ConsumerOptions(
            group="sample", consumer=f"c-{uuid.uuid4().hex[:6]}", max_deliveries=1000
        )
        consumer = EventConsumer(RedisBroker(redis_url), redis, keys, options, projection.handle)
        made.append(consumer)
        return consumer

    yield make
    for consumer in made:
        await consumer.stop()


async def test_a_position_counts_as_applied_once_the_projection_has_committed_it(
    event_log: EventLog, keys: Keys, projection: SampleProjection, consumer_of
) -> None:  # type: ignore[no-untyped-def]
    consumer = consumer_of(keys)
    [event] = await noted(event_log, "first")
    assert event.position is not None
    assert not await consumer.progress.has_applied(event.position)  # no group reads the log yet

    await consumer.start()
    assert await consumer.progress.wait_until_applied(event.position, within_s=10)
    assert [row.position for row in await projection.rows()] == [event.position]
    assert await consumer.progress.last_position() == event.position


async def test_an_event_that_keeps_failing_holds_back_every_position_after_it(
    event_log: EventLog, keys: Keys, projection: SampleProjection, consumer_of
) -> None:  # type: ignore[no-untyped-def]
    before, poison, after = await noted(event_log, "before", "poison-pill", "after")
    assert before.position and poison.position and after.position
    consumer = consumer_of(keys)
    await consumer.start()
    await wait_until(lambda: _holds(projection, {before.position, after.position}))

    assert await consumer.progress.has_applied(before.position)
    assert not await consumer.progress.has_applied(poison.position)
    assert not await consumer.progress.wait_until_applied(after.position, within_s=0.3)


async def test_positions_are_compared_as_numbers_not_as_text(
    redis: Redis, keys: Keys, consumer_of
) -> None:  # type: ignore[no-untyped-def]
    # The ninth and tenth events of one millisecond: as text, "5-9" comes after "5-10".
    for sequence in (9, 10):
        await redis.xadd(keys.log, {"n": sequence}, id=f"5-{sequence}")
    await redis.xgroup_create(keys.log, "sample", id="0")
    consumer = consumer_of(keys)  # asked, not started: the group is handled by hand here

    [[_, [(ninth, _)]]] = await redis.xreadgroup("sample", "by-hand", {keys.log: ">"}, count=1)
    await redis.xack(keys.log, "sample", ninth)
    assert await consumer.progress.has_applied("5-9")
    assert not await consumer.progress.has_applied("5-10")  # not handed over yet

    [[_, [(tenth, _)]]] = await redis.xreadgroup("sample", "by-hand", {keys.log: ">"}, count=1)
    assert not await consumer.progress.has_applied("5-10")  # handed over, not yet acknowledged
    await redis.xack(keys.log, "sample", tenth)
    assert await consumer.progress.has_applied("5-10")


async def test_a_position_past_the_end_of_the_log_holds_nothing_left_to_apply(
    event_log: EventLog, keys: Keys, consumer_of
) -> None:  # type: ignore[no-untyped-def]
    [event] = await noted(event_log, "only")
    assert event.position is not None
    consumer = consumer_of(keys)
    await consumer.start()
    milliseconds, _ = event.position.split("-")
    assert await consumer.progress.wait_until_applied(f"{int(milliseconds) + 1}-0", within_s=10)
    assert await consumer.progress.has_applied(event.position)


async def _holds(projection: SampleProjection, positions: set[str | None]) -> bool:
    return {row.position for row in await projection.rows()} == positions
