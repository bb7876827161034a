"""The append step as sent to Redis: EVALSHA without a script object, one HSET for the
index, and the answers of a retried command, whatever its size."""

import uuid
from pathlib import Path

from redis.asyncio import Redis

from shared.keys import Keys
from shared.log import EventLog, Write
from shared.redis_server import RedisServer
from tests.factories import flagged, registered


async def test_a_server_that_never_saw_the_script_is_given_it_and_appends(tmp_path: Path) -> None:
    server = RedisServer(tmp_path, durable=False).start()
    client = Redis.from_url(server.url)
    try:
        log = EventLog(client, Keys("1471"))
        event = registered()
        [stored] = await log.append(event.stream_id, [event], expected_version=0)
        await client.script_flush()  # as after a restart without persistence
        again = registered()
        [stored_again] = await log.append(again.stream_id, [again], expected_version=0)
        assert [e.event_id for e in await log.read()] == [event.event_id, again.event_id]
        assert stored.version == stored_again.version == 1
    finally:
        await client.aclose()
        server.stop()


async def test_a_retried_command_over_several_streams_answers_with_the_first_positions(
    event_log: EventLog,
) -> None:
    a, b = registered(), registered()
    writes = [Write(a.stream_id, 0, [a, flagged(a.data.dossier_id)]), Write(b.stream_id, 0, [b])]  # type: ignore[attr-defined]
    first = await event_log.append_all(writes)
    retry = await event_log.append_all(writes)
    assert retry == first
    assert [e.position for e in retry] == [e.position for e in await event_log.read()]


async def test_a_command_of_thousands_of_events_is_appended_and_indexed_whole(
    event_log: EventLog, redis: Redis, keys: Keys
) -> None:
    dossier_id = uuid.uuid4()
    events = [registered(dossier_id)] + [flagged(dossier_id) for _ in range(2499)]
    stored = await event_log.append(f"dossier-{dossier_id}", events, expected_version=0)
    assert [e.version for e in stored] == list(range(1, 2501))
    assert await redis.hlen(keys.event_ids) == 2500
    assert await event_log.find(events[-1].event_id) == stored[-1]
    assert await event_log.append(f"dossier-{dossier_id}", events, expected_version=0) == stored
