"""A projection whose database cannot be reached (PostgreSQL behind a relay that is closed:
connections cut, new ones refused) delays the events, it loses none: however often they
are handed over meanwhile, none is dead-lettered, and once the database is back each is
applied once. Those deliveries do not count toward dead-lettering; a bug still is
dead-lettered after `max_deliveries` failures."""

import asyncio
import contextlib
import logging
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Sequence, Sized

import pytest
from faststream.redis import RedisBroker
from redis.asyncio import Redis
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from services.reporting.archive import ArchivedEvent
from services.reporting.archivist import Archivist
from shared.consumer import ConsumerOptions, EventConsumer, Handler, PageHandler
from shared.db import create_tables, make_engine, session_factory
from shared.events import Envelope
from shared.keys import Keys
from shared.log import EventLog
from tests.integration.sample_projection import SampleProjection
from tests.integration.test_consumer import append_notes
from tests.polling import wait_until
from tests.postgres_relay import Relay
from tests.sop_history import Office

MAX_DELIVERIES = 2
GROUP = "sample"


@contextlib.asynccontextmanager
async def consuming(
    redis_url: str, redis: Redis, keys: Keys, handle: Handler, outage_pause_ms: int = 50
) -> AsyncIterator[EventConsumer]:
    options = ConsumerOptions(
        group=GROUP,
        consumer=f"c-{uuid.uuid4().hex[:6]}",
        claim_idle_ms=200,
        max_deliveries=MAX_DELIVERIES,
        outage_pause_ms=outage_pause_ms,
        recover_every_s=0.2,
    )
    consumer = EventConsumer(RedisBroker(redis_url), redis, keys, options, handle)
    await consumer.start()
    try:
        yield consumer
    finally:
        await consumer.stop()


class Attempts(Counter[str]):
    """How often each event (by position) was handed to the projection."""

    def count(self, events: Sequence[Envelope]) -> None:
        self.update(event.position or "" for event in events)

    def all_over(self, positions: Sequence[str], times: int) -> bool:
        return all(self[position] > times for position in positions)


async def delivery_counts(redis: Redis, keys: Keys) -> list[int]:
    pending = await redis.xpending_range(keys.log, GROUP, min="-", max="+", count=1000)
    return [int(entry["times_delivered"]) for entry in pending]


async def dead_letters(redis: Redis, keys: Keys) -> list[dict[bytes, bytes]]:
    return [entry for _, entry in await redis.xrange(keys.dead_letters(GROUP))]


@pytest.fixture(params=["event by event", "page by page"])
def pages(request: pytest.FixtureRequest) -> bool:
    return bool(request.param == "page by page")


async def test_events_that_arrive_while_the_database_is_out_of_reach_wait_and_are_applied_once(
    redis_url: str,
    redis: Redis,
    keys: Keys,
    event_log: EventLog,
    postgres_url: str,
    relay: Relay,
    pages: bool,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="jasa.consumer")
    projection = SampleProjection(relay.url_for(postgres_url))
    await projection.setup()
    attempts = Attempts()

    async def one(event: Envelope) -> None:
        attempts.count([event])
        await projection.handle(event)

    async def page(events: Sequence[Envelope]) -> None:
        attempts.count(events)
        await projection.apply_page(events)

    async with consuming(redis_url, redis, keys, PageHandler(page) if pages else one):
        await append_notes(event_log, "before")
        await wait_until(lambda: _is(projection.count(), 1))  # its connections are open

        await relay.close()
        notes = [f"n{i}" for i in range(8)]
        await append_notes(event_log, *notes)
        waiting = [event.position or "" for event in (await event_log.read())[1:]]
        await wait_until(lambda: _true(attempts.all_over(waiting, MAX_DELIVERIES)))
        # Each delivery was given back: none counts toward dead-lettering.
        counts = await delivery_counts(redis, keys)
        assert len(counts) == len(waiting) and max(counts) <= 1, counts
        assert await dead_letters(redis, keys) == []
        assert len(logged(caplog, "the database cannot be reached")) == 1

        await relay.open()
        await wait_until(lambda: _is(projection.count(), 1 + len(notes)))
        await wait_until(lambda: _pending_is(redis, keys, 0))

    rows = await projection.rows()
    await projection.close()
    assert sorted(row.note for row in rows) == sorted(["before", *notes])
    assert {row.position for row in rows} >= set(waiting)
    assert await dead_letters(redis, keys) == []
    assert logged(caplog, "the database answers again")


async def test_a_bug_that_waited_out_an_outage_is_dead_lettered_after_max_deliveries_failures(
    redis_url: str,
    redis: Redis,
    keys: Keys,
    event_log: EventLog,
    postgres_url: str,
    relay: Relay,
) -> None:
    engine = make_engine(relay.url_for(postgres_url))
    attempts, failures = Attempts(), Attempts()

    async def buggy(event: Envelope) -> None:
        attempts.count([event])
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))  # the database reached
        failures.count([event])
        raise RuntimeError("a bug in the projection")

    async with consuming(redis_url, redis, keys, buggy):
        await relay.close()
        await append_notes(event_log, "buggy")
        [position] = [event.position or "" for event in await event_log.read()]
        await wait_until(lambda: _true(attempts.all_over([position], MAX_DELIVERIES)))
        assert await dead_letters(redis, keys) == []

        await relay.open()
        await wait_until(lambda: _length_is(dead_letters(redis, keys), 1))
        await wait_until(lambda: _pending_is(redis, keys, 0))
    await engine.dispose()

    [entry] = await dead_letters(redis, keys)
    assert entry[b"position"].decode() == position
    assert b"a bug in the projection" in entry[b"error"]
    assert int(entry[b"deliveries"]) == MAX_DELIVERIES
    assert failures[position] == MAX_DELIVERIES


async def test_while_the_database_is_out_of_reach_each_subscriber_pauses_between_tries(
    redis_url: str,
    redis: Redis,
    keys: Keys,
    event_log: EventLog,
    postgres_url: str,
    relay: Relay,
) -> None:
    engine = make_engine(relay.url_for(postgres_url))
    attempts = Attempts()

    async def reaching(event: Envelope) -> None:
        attempts.count([event])
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    await relay.close()
    async with consuming(redis_url, redis, keys, reaching, outage_pause_ms=500):
        await append_notes(event_log, *[f"n{i}" for i in range(20)])
        await asyncio.sleep(2.0)  # the time measured, not a wait for something to happen
        tries = sum(attempts.values())
        await relay.open()
        await wait_until(lambda: _pending_is(redis, keys, 0))
    await engine.dispose()
    # Two subscribers, a try each and then half a second's pause: some ten tries in two
    # seconds, not a sweep through the twenty waiting events every `claim_idle_ms`.
    assert 2 <= tries <= 12, attempts
    assert await dead_letters(redis, keys) == []


async def test_the_events_that_waited_out_an_outage_are_applied_a_page_at_a_time(
    redis_url: str,
    redis: Redis,
    keys: Keys,
    event_log: EventLog,
    postgres_url: str,
    relay: Relay,
) -> None:
    projection = SampleProjection(relay.url_for(postgres_url))
    await projection.setup()
    attempts = Attempts()
    applied: list[int] = []  # the size of each page applied

    async def page(events: Sequence[Envelope]) -> None:
        attempts.count(events)
        await projection.apply_page(events)
        applied.append(len(events))

    await relay.close()
    notes = [f"n{i}" for i in range(20)]
    async with consuming(redis_url, redis, keys, PageHandler(page)):
        await append_notes(event_log, *notes)
        waiting = [event.position or "" for event in await event_log.read()]
        await wait_until(lambda: _true(attempts.all_over(waiting, 0)))
    # All twenty wait, given back, longer than `claim_idle_ms`, for a consumer to come.
    await asyncio.sleep(0.3)
    await relay.open()
    async with consuming(redis_url, redis, keys, PageHandler(page)):
        await wait_until(lambda: _is(projection.count(), len(notes)))
        await wait_until(lambda: _pending_is(redis, keys, 0))
    await projection.close()
    # FastStream's reclaimer hands over one; the consumer claims the others as one page.
    assert applied == [1, len(notes) - 1]
    assert await dead_letters(redis, keys) == []


async def test_a_database_error_that_is_a_bug_is_dead_lettered_after_max_deliveries(
    redis_url: str, redis: Redis, keys: Keys, event_log: EventLog, postgres_url: str
) -> None:
    engine = make_engine(postgres_url)
    attempts = Attempts()

    async def wrong_statement(event: Envelope) -> None:
        attempts.count([event])
        async with engine.connect() as connection:
            await connection.execute(text("SELECT nik FROM no_such_table"))

    async with consuming(redis_url, redis, keys, wrong_statement):
        await append_notes(event_log, "wrong")
        await wait_until(lambda: _length_is(dead_letters(redis, keys), 1))
    await engine.dispose()

    [entry] = await dead_letters(redis, keys)
    assert b"no_such_table" in entry[b"error"]
    assert int(entry[b"deliveries"]) == MAX_DELIVERIES
    assert list(attempts.values()) == [MAX_DELIVERIES]


async def test_the_archive_waits_out_an_outage_of_its_database_and_misses_no_event(
    redis_url: str,
    redis: Redis,
    keys: Keys,
    event_log: EventLog,
    postgres_url: str,
    relay: Relay,
) -> None:
    engine = make_engine(relay.url_for(postgres_url))
    await create_tables(engine)
    archivist = Archivist(event_log, session_factory(engine), None, page_size=3)
    attempts = Attempts()

    async def archive(event: Envelope) -> None:
        attempts.count([event])
        await archivist(event)

    office = Office(event_log)
    async with consuming(redis_url, redis, keys, archive):
        await office.register()
        await wait_until(lambda: _archived(engine, 1))

        await relay.close()
        for _ in range(4):
            await office.flag(await office.register())
        waiting = [event.position or "" for event in office.appended[1:]]
        await wait_until(lambda: _true(attempts.all_over(waiting, MAX_DELIVERIES)))
        assert await dead_letters(redis, keys) == []

        await relay.open()
        await wait_until(lambda: _archived(engine, len(office.appended)))
        await wait_until(lambda: _pending_is(redis, keys, 0))

    async with engine.connect() as connection:
        query = select(ArchivedEvent.position).order_by(ArchivedEvent.seq)  # type: ignore[arg-type]
        archived = [row[0] for row in await connection.execute(query)]
    await engine.dispose()
    assert archived == [event.position for event in office.appended]
    assert await dead_letters(redis, keys) == []


def logged(caplog: pytest.LogCaptureFixture, words: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "jasa.consumer" and words in r.getMessage()]


async def _is(value: Awaitable[int], expected: int) -> bool:
    return await value == expected


async def _length_is(value: Awaitable[Sized], expected: int) -> bool:
    return len(await value) == expected


async def _true(value: bool) -> bool:
    return value


async def _pending_is(redis: Redis, keys: Keys, expected: int) -> bool:
    return int((await redis.xpending(keys.log, GROUP))["pending"]) == expected


async def _archived(engine: AsyncEngine, expected: int) -> bool:
    async with engine.connect() as connection:
        count = await connection.scalar(select(func.count()).select_from(ArchivedEvent))
    return count == expected
