"""Readers of a log whose finished past was archived and trimmed: a consumer group created
from the start, and `jasa privacy erase` of a dossier that left Redis."""

import uuid
from collections.abc import AsyncIterator, Callable

import pytest
from faststream.redis import RedisBroker
from redis.asyncio import Redis

from services.cli.privacy import erase_personal_data
from services.reporting.trimming import archive_log
from shared.consumer import ConsumerOptions, EventConsumer
from shared.events import Actor, Envelope
from shared.keys import Keys
from shared.log import EventLog
from shared.master_key import load_or_create_master_key
from shared.privacy import ERASED, Privacy
from shared.settings import CommonSettings
from shared.stores.tiered import TieredEventStore
from shared.tiered_data_keys import tiered_data_keys
from shared.vocabulary import Role
from tests.integration.reporting.archiving_support import (
    an_office_with_a_finished_past,
    archived_and_sealed,
    tiered_log,
)
from tests.integration.reporting.conftest import Reporting
from tests.polling import wait_until
from tests.sop_history import Office

AUDITOR = Actor(officer_id="auditor-1", name="Auditor Uji", role=Role.AUDITOR)
Seen = list[tuple[str, str]]  # (position, event id) as a handler was given them


@pytest.fixture
async def a_group(
    redis_url: str, redis: Redis, keys: Keys
) -> AsyncIterator[Callable[[str, EventLog], tuple[EventConsumer, Seen]]]:
    made: list[EventConsumer] = []

    def make(group: str, log: EventLog) -> tuple[EventConsumer, Seen]:
        seen: Seen = []

        async def handle(event: Envelope) -> None:
            if event.type != "LogArchived":
                seen.append((event.position or "", str(event.event_id)))

        store = log.store if isinstance(log.store, TieredEventStore) else None
        options = ConsumerOptions(group=group, consumer=f"c-{uuid.uuid4().hex[:6]}")
        consumer = EventConsumer(
            RedisBroker(redis_url), redis, keys, options, handle, archived=store
        )
        made.append(consumer)
        return consumer, seen

    yield make
    for consumer in made:
        await consumer.stop()


async def test_a_new_group_over_a_half_archived_log_is_handed_what_one_built_before_was(
    redis: Redis,
    keys: Keys,
    office: Office,
    reporting: Reporting,
    a_group: Callable[[str, EventLog], tuple[EventConsumer, Seen]],
) -> None:
    await an_office_with_a_finished_past(office)
    await archived_and_sealed(reporting, office)
    log = tiered_log(redis, keys, reporting)
    everything = len(office.appended)
    before, seen_before = a_group("built-before", log)
    await before.start()
    await wait_until(lambda: _reached(seen_before, everything))
    run = await archive_log(log, reporting.sessions, reporting.sealer.public_key)
    assert run.events > 0

    after, seen_after = a_group("built-after", log)
    await after.start()
    await wait_until(lambda: _reached(seen_after, everything))

    assert seen_after == seen_before  # the same events, once each, in the log's order
    assert len(set(seen_after)) == everything


async def test_a_dossier_that_left_redis_is_still_erased_and_the_erasure_appended(
    redis: Redis, keys: Keys, event_log: EventLog, reporting: Reporting
) -> None:
    master_key = load_or_create_master_key(CommonSettings())
    privacy = Privacy(tiered_data_keys(redis, keys, reporting.engine), keys, master_key)
    office = Office(EventLog(event_log.store, keys, privacy))
    history = await an_office_with_a_finished_past(office)
    await archived_and_sealed(reporting, office)
    log = tiered_log(redis, keys, reporting)
    stream = f"dossier-{history.delivered}"
    await archive_log(log, reporting.sessions, reporting.sealer.public_key)
    assert await redis.exists(keys.stream(stream)) == 0

    erasure = await erase_personal_data(
        redis, keys, master_key, history.delivered, AUDITOR, archive=reporting.engine
    )

    assert erasure.key_destroyed and erasure.event is not None
    revealing = EventLog(log.store, keys, privacy)
    registered, erased = await revealing.load(stream)
    assert registered.data.name == ERASED  # type: ignore[attr-defined]
    assert (erased.type, erased.version) == ("PersonalDataErased", 2)


async def _reached(seen: Seen, count: int) -> bool:
    return len(seen) >= count
