"""The data keys in two tiers (shared.tiered_data_keys): a key moved to the archive leaves
Redis, still reads back, is never made twice, and an erasure destroys it wherever it is,
even one that meets the move halfway. On SQLite and, where one answers, PostgreSQL."""

from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.data_keys import KeysMoved, RedisDataKeys
from shared.db import make_engine
from shared.keys import Keys
from shared.tiered_data_keys import ARCHIVED_KEYS, TieredDataKeys, tiered_data_keys


class CutOff(Exception):
    """The move stopped after its copy, as a killed process stops."""


@pytest.fixture
async def key_archive_on_postgres(postgres_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(postgres_url)
    async with engine.begin() as connection:
        await connection.run_sync(ARCHIVED_KEYS.metadata.create_all)
    yield engine
    await engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def archive(request: pytest.FixtureRequest) -> AsyncEngine:
    name = "key_archive" if request.param == "sqlite" else "key_archive_on_postgres"
    engine: AsyncEngine = request.getfixturevalue(name)
    return engine


@pytest.fixture
def store(redis: Redis, keys: Keys, archive: AsyncEngine) -> TieredDataKeys:
    return tiered_data_keys(redis, keys, archive)


async def archived_rows(archive: AsyncEngine) -> list[tuple[str, str, bytes]]:
    query = select(ARCHIVED_KEYS.c.office, ARCHIVED_KEYS.c.dossier, ARCHIVED_KEYS.c.wrapped)
    async with archive.connect() as connection:
        return [tuple(row) for row in await connection.execute(query.order_by("dossier"))]


async def test_a_moved_key_leaves_redis_and_still_reads_back(
    store: TieredDataKeys, redis: Redis, keys: Keys, archive: AsyncEngine
) -> None:
    await store.offer([("a", b"key-a"), ("b", b"key-b")])

    moved = await store.move_to_archive(["a", "never-offered"])

    assert moved == 1
    assert await redis.hkeys(keys.scoped("pii-keys")) == [b"b"]
    assert await archived_rows(archive) == [("1471", "a", b"key-a")]
    assert await store.get(["a", "b", "never-offered"]) == [b"key-a", b"key-b", None]


async def test_an_offer_for_a_moved_key_answers_it_and_makes_no_second_one(
    store: TieredDataKeys, redis: Redis, keys: Keys
) -> None:
    await store.offer([("a", b"key-a")])
    await store.move_to_archive(["a"])

    found = await store.offer([("a", b"another"), ("c", b"key-c")])

    assert found == [b"key-a", b"key-c"]
    assert await redis.hkeys(keys.scoped("pii-keys")) == [b"c"]


async def test_replacing_a_moved_key_destroys_it_in_the_archive(
    store: TieredDataKeys, archive: AsyncEngine
) -> None:
    await store.offer([("a", b"key-a")])
    await store.move_to_archive(["a"])

    before = await store.replace("a", b"erased")

    assert before == b"key-a"
    assert [wrapped for _, _, wrapped in await archived_rows(archive)] == [b"erased"]
    assert await store.get(["a"]) == [b"erased"]


async def test_a_key_replaced_between_its_copy_and_its_removal_is_moved_as_replaced(
    store: TieredDataKeys, redis: Redis, keys: Keys, archive: AsyncEngine
) -> None:
    await store.offer([("a", b"key-a")])

    async def erased_meanwhile() -> None:
        if await store.get(["a"]) == [b"key-a"]:
            await store.replace("a", b"erased")

    moved = await store.move_to_archive(["a"], copied=erased_meanwhile)

    assert moved == 1
    assert await redis.hlen(keys.scoped("pii-keys")) == 0
    assert await archived_rows(archive) == [("1471", "a", b"erased")]


async def test_a_move_cut_off_after_its_copy_loses_nothing_and_doubles_nothing_run_again(
    store: TieredDataKeys, redis: Redis, keys: Keys, archive: AsyncEngine
) -> None:
    await store.offer([("a", b"key-a"), ("b", b"key-b")])

    async def killed() -> None:
        raise CutOff

    with pytest.raises(CutOff):
        await store.move_to_archive(["a", "b"], copied=killed)
    assert await redis.hlen(keys.scoped("pii-keys")) == 2  # copied, not yet taken out
    assert await store.get(["a", "b"]) == [b"key-a", b"key-b"]

    moved = await store.move_to_archive(["a", "b"])

    assert moved == 2
    assert await redis.hlen(keys.scoped("pii-keys")) == 0
    assert await archived_rows(archive) == [("1471", "a", b"key-a"), ("1471", "b", b"key-b")]
    assert await store.move_to_archive(["a", "b"]) == 0


async def test_redis_alone_refuses_to_answer_for_a_dossier_once_keys_were_moved(
    store: TieredDataKeys, redis: Redis, keys: Keys
) -> None:
    plain = RedisDataKeys(redis, keys)
    await store.offer([("a", b"key-a"), ("b", b"key-b")])
    await store.move_to_archive(["a"])

    assert await plain.get(["b"]) == [b"key-b"]
    with pytest.raises(KeysMoved):
        await plain.get(["a"])
    with pytest.raises(KeysMoved):
        await plain.offer([("a", b"another")])
    assert await store.get(["a"]) == [b"key-a"]
