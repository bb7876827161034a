"""The consumer of one office's log never hands a projection an event naming another office:
such an event (written to the log by hand) goes straight to the dead letters."""

import uuid
from pathlib import Path

from faststream.redis import RedisBroker
from redis.asyncio import Redis

from shared.consumer import ConsumerOptions, EventConsumer
from shared.keys import Keys
from shared.log import EventLog
from tests.factories import flagged
from tests.integration.sample_projection import SampleProjection
from tests.polling import wait_until


async def test_an_event_of_another_office_in_the_log_is_dead_lettered_not_applied(
    redis_url: str, redis: Redis, keys: Keys, event_log: EventLog, tmp_path: Path
) -> None:
    foreign = flagged(uuid.uuid4(), note="kampar").model_copy(update={"office": "1401"})
    own = flagged(uuid.uuid4(), note="pekanbaru")
    for event in (foreign, own):
        await event_log.append(event.stream_id, [event], expected_version=0)
    projection = SampleProjection(tmp_path / "projection.db")
    await projection.setup()
    consumer = EventConsumer(
        RedisBroker(redis_url),
        redis,
        keys,
        ConsumerOptions(group="sample", consumer="c-1", claim_idle_ms=200),
        projection.handle,
    )
    await consumer.start()
    try:

        async def both_handled() -> bool:
            dead_lettered = await redis.xlen(keys.dead_letters("sample"))
            return await projection.count() == 1 and dead_lettered == 1

        await wait_until(both_handled)
        dead = await redis.xrange(keys.dead_letters("sample"))
        assert b"an event of office 1401 in the log of office 1471" in dead[0][1][b"error"]
        assert [row.note for row in await projection.rows()] == ["pekanbaru"]
    finally:
        await consumer.stop()
        await projection.close()
