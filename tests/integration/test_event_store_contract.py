"""The event store's contract (shared.store), one suite run against every implementation:
Redis (on the suite's server, under the test's own key prefix), Redis Cluster (two offices
whose slots live on different primaries, each append confirmed by a replica), memory, and the
tiered store (Redis with an archive; what it reads of the archive is tested with `jasa log
archive`)."""

import asyncio
import uuid
from collections.abc import Iterator

import pytest
from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster

from shared.events import Envelope, encode_for_log, with_fields
from shared.keys import Keys
from shared.local_cluster import LocalCluster
from shared.redis_client import ReplicaAcks
from shared.store import (
    ConcurrencyConflict,
    EventStore,
    IdempotencyMismatch,
    NewRecord,
    StreamWrite,
    position_key,
)
from shared.stores.memory import InMemoryEventStore
from shared.stores.redis import RedisEventStore
from shared.stores.tiered import tiered_store
from tests.factories import flagged, registered


@pytest.fixture(params=["redis", "cluster-office-1471", "cluster-office-1473", "memory", "tiered"])
def store(request: pytest.FixtureRequest) -> EventStore:
    if request.param == "memory":
        return InMemoryEventStore()
    if request.param.startswith("cluster"):
        cluster: RedisCluster = request.getfixturevalue("cluster_client")
        office = request.param.rsplit("-", 1)[1]
        keys = Keys(office, request.getfixturevalue("key_prefix"))
        return RedisEventStore(cluster, keys, ReplicaAcks(replicas=1))
    redis: Redis = request.getfixturevalue("redis")
    keys: Keys = request.getfixturevalue("keys")
    if request.param == "tiered":
        return tiered_store(redis, keys, request.getfixturevalue("empty_sqlite"))
    return RedisEventStore(redis, keys)


def test_the_two_offices_of_the_cluster_suite_live_on_different_primaries(
    redis_cluster: LocalCluster,
) -> None:
    primaries = {redis_cluster.primary_of(Keys(office).log).port for office in ("1471", "1473")}
    assert len(primaries) == 2


def records(stream_id: str, events: list[Envelope], expected: int = 0) -> StreamWrite:
    """The events as a command appends them to one stream: stamped, encoded."""
    stamped = [
        with_fields(event, stream_id=stream_id, version=expected + n)
        for n, event in enumerate(events, start=1)
    ]
    encoded = [NewRecord(str(e.event_id), e.type, encode_for_log(e)) for e in stamped]
    return StreamWrite(stream_id, expected, encoded)


def a_dossier() -> Iterator[Envelope]:
    """A registration, then flags of the same dossier, without end."""
    first = registered()
    yield first
    while True:
        yield flagged(first.data.dossier_id)  # type: ignore[attr-defined]


async def test_appended_records_load_back_with_their_stream_version_id_and_bytes(
    store: EventStore,
) -> None:
    events = a_dossier()
    write = records("dossier-a", [next(events), next(events)])
    stored = await store.append([write])
    assert [r.body for r in stored] == [r.body for r in write.records]
    assert [(r.stream_id, r.version) for r in stored] == [("dossier-a", 1), ("dossier-a", 2)]
    assert [r.event_id for r in stored] == [r.event_id for r in write.records]
    assert [r.type for r in stored] == ["DocumentRegistered", "DocumentFlagged"]
    assert await store.load("dossier-a") == stored
    assert await store.version("dossier-a") == 2
    assert await store.load("dossier-never-written") == []
    assert await store.version("dossier-never-written") == 0


async def test_a_record_is_found_at_its_position_and_by_its_event_id(store: EventStore) -> None:
    [stored] = await store.append([records("dossier-a", [registered()])])
    assert await store.at(stored.position) == stored
    assert await store.find(stored.event_id) == stored
    assert await store.find(str(uuid.uuid4())) is None
    later = position_key(stored.position)
    assert await store.at(f"{later[0] + 1}-0") is None


async def test_a_stream_not_at_its_expected_version_is_a_conflict_and_nothing_is_written(
    store: EventStore,
) -> None:
    events = a_dossier()
    await store.append([records("dossier-a", [next(events)])])
    with pytest.raises(ConcurrencyConflict) as conflict:
        await store.append([records("dossier-a", [next(events)], expected=0)])
    assert (conflict.value.stream_id, conflict.value.expected, conflict.value.actual) == (
        "dossier-a",
        0,
        1,
    )
    assert len(await store.read()) == 1
    assert await store.version("dossier-a") == 1


async def test_a_command_over_several_streams_is_written_whole_or_not_at_all(
    store: EventStore,
) -> None:
    await store.append([records("dossier-taken", [registered()])])
    writes = [
        records("dossier-first", [registered()]),
        records("dossier-taken", [registered()]),  # expects 0, is at 1
        records("dossier-third", [registered()]),
    ]
    with pytest.raises(ConcurrencyConflict) as conflict:
        await store.append(writes)
    assert conflict.value.stream_id == "dossier-taken"
    assert [r.stream_id for r in await store.read()] == ["dossier-taken"]
    assert await store.load("dossier-first") == await store.load("dossier-third") == []
    assert [await store.find(w.records[0].event_id) for w in (writes[0], writes[2])] == [None] * 2


async def test_a_retried_command_is_answered_with_what_its_first_attempt_stored(
    store: EventStore,
) -> None:
    events = a_dossier()
    writes = [
        records("dossier-a", [next(events), next(events)]),
        records("dossier-b", [next(events)]),
    ]
    first = await store.append(writes)
    await store.append([records("dossier-a", [next(events)], expected=2)])  # the stream moved on
    resent = [
        StreamWrite(
            w.stream_id,
            w.expected_version,
            [NewRecord(r.event_id, r.type, b"{}") for r in w.records],
        )
        for w in writes
    ]
    assert await store.append(resent) == first  # not a conflict, and the bytes kept are the first
    assert len(await store.read()) == 4


async def test_a_command_retried_with_only_some_of_its_events_is_refused(
    store: EventStore,
) -> None:
    events = a_dossier()
    once = records("dossier-a", [next(events)])
    await store.append([once])
    partly = StreamWrite(
        "dossier-a", 0, [*once.records, *records("dossier-a", [next(events)]).records]
    )
    with pytest.raises(IdempotencyMismatch):
        await store.append([partly])
    assert len(await store.read()) == 1


async def test_the_log_keeps_every_record_in_one_order_and_is_read_in_pages(
    store: EventStore,
) -> None:
    appended = []
    for n in range(25):
        appended += await store.append([records(f"dossier-{n}", [registered()])])
    positions = [position_key(r.position) for r in appended]
    assert positions == sorted(positions) and len(set(positions)) == 25
    assert await store.read() == appended
    assert await store.read(after=appended[9].position, limit=5) == appended[10:15]
    assert await store.read(limit=100, until=appended[12].position) == appended[:13]
    pages = [page async for page in store.pages(limit=10)]
    assert [len(page) for page in pages] == [10, 10, 5]
    assert [r for page in pages for r in page] == appended
    upto = [
        page
        async for page in store.pages(
            after=appended[4].position, limit=4, until=appended[12].position
        )
    ]
    assert [len(page) for page in upto] == [4, 4]
    assert [r for page in upto for r in page] == appended[5:13]
    assert [page async for page in store.pages(after=appended[-1].position)] == []


async def test_several_streams_load_in_the_order_asked(store: EventStore) -> None:
    a = await store.append([records("dossier-a", [registered()])])
    b = await store.append([records("dossier-b", [registered()])])
    loaded = await store.load_many(["dossier-b", "dossier-none", "dossier-a"])
    assert loaded == [b, [], a]


async def test_fifty_appends_at_once_at_one_version_write_exactly_one(store: EventStore) -> None:
    async def attempt() -> str:
        try:
            await store.append([records("dossier-a", [registered()])])
            return "written"
        except ConcurrencyConflict:
            return "conflict"

    outcomes = await asyncio.gather(*(attempt() for _ in range(50)))
    assert (outcomes.count("written"), outcomes.count("conflict")) == (1, 49)
    assert await store.version("dossier-a") == 1
    assert len(await store.read()) == 1


async def test_appends_made_at_once_to_many_streams_are_all_written_each_at_its_position(
    store: EventStore,
) -> None:
    streams = [f"dossier-{n}" for n in range(40)]
    answers = await asyncio.gather(
        *(store.append([records(stream, [registered()])]) for stream in streams)
    )
    log = await store.read(limit=100)
    assert {r.position for [r] in answers} == {r.position for r in log}
    assert len(log) == len(streams)
    assert all([await store.version(stream) for stream in streams])


async def test_a_server_that_forgot_the_append_script_is_given_it_again(
    redis: Redis, keys: Keys
) -> None:
    store = RedisEventStore(redis, keys)
    await store.append([records("dossier-a", [registered()])])
    await redis.script_flush()  # as after a restart of a server that keeps no scripts
    answers = await asyncio.gather(
        *(store.append([records(f"dossier-{n}", [registered()])]) for n in range(5))
    )
    assert len(await store.read()) == 6 and all(len(a) == 1 for a in answers)
