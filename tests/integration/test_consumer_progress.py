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
    assert not await consumer.has_applied(event.position)  # no group reads the log yet

    await consumer.start()
    assert await consumer.wait_until_applied(event.position, within_s=10)
    assert [row.position for row in await projection.rows()] == [event.position]
    assert await consumer.last_position() == event.position


async def test_an_event_that_keeps_failing_holds_back_every_position_after_it(
    event_log: EventLog, keys: Keys, projection: SampleProjection, consumer_of
) -> None:  # type: ignore[no-untyped-def]
    before, poison, after = await noted(event_log, "before", "poison-pill", "after")
    assert before.position and poison.position and after.position
    consumer = consumer_of(keys)
    await consumer.start()
    await wait_until(lambda: _holds(projection, {before.position, after.position}))

    assert await consumer.has_applied(before.position)
    assert not await consumer.has_applied(poison.position)
    assert not await consumer.wait_until_applied(after.position, within_s=0.3)


async def test_positions_are_compared_as_numbers_not_as_text(
    event_log: EventLog, redis: Redis, key_prefix: str, consumer_of
) -> None:  # type: ignore[no-untyped-def]
    # Two events in one millisecond, the ninth and the tenth: as text "5-10" < "5-9".
    own_log = Keys("1471", f"{key_prefix}same-ms:")
    await noted(event_log, "ninth", "tenth")
    stored = await event_log.read_raw()
    for sequence, (_, fields) in zip((9, 10), stored, strict=True):
        await redis.xadd(own_log.log, fields, id=f"5-{sequence}")
    consumer = consumer_of(own_log)
    await consumer.start()

    assert await consumer.wait_until_applied("5-10", within_s=10)
    assert await consumer.has_applied("5-9")
    assert not await consumer.has_applied("5-11")
    assert not await consumer.has_applied("6-0")


async def _holds(projection: SampleProjection, positions: set[str | None]) -> bool:
    return {row.position for row in await projection.rows()} == positions
