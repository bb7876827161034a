"""The data-key store's contract (shared.data_keys), one suite run against every
implementation: Redis (on the suite's server, under the test's own key prefix) and memory."""

import pytest
from redis.asyncio import Redis

from shared.data_keys import DataKeyStore, InMemoryDataKeys, RedisDataKeys
from shared.keys import Keys


@pytest.fixture(params=["redis", "memory"])
def store(request: pytest.FixtureRequest) -> DataKeyStore:
    if request.param == "memory":
        return InMemoryDataKeys()
    redis: Redis = request.getfixturevalue("redis")
    keys: Keys = request.getfixturevalue("keys")
    return RedisDataKeys(redis, keys)


async def test_a_dossier_without_a_value_keeps_the_one_offered(store: DataKeyStore) -> None:
    assert await store.offer([("a", b"key-a"), ("b", b"key-b")]) == [b"key-a", b"key-b"]
    assert await store.get(["b", "a"]) == [b"key-b", b"key-a"]


async def test_an_offer_never_replaces_what_a_dossier_holds(store: DataKeyStore) -> None:
    await store.offer([("a", b"first")])
    assert await store.offer([("a", b"second"), ("c", b"key-c")]) == [b"first", b"key-c"]
    assert await store.get(["a"]) == [b"first"]


async def test_a_dossier_never_offered_a_value_holds_none(store: DataKeyStore) -> None:
    await store.offer([("a", b"key-a")])
    assert await store.get(["unknown", "a"]) == [None, b"key-a"]


async def test_a_replaced_value_is_answered_and_the_new_one_kept(store: DataKeyStore) -> None:
    await store.offer([("a", b"key-a")])
    assert await store.replace("a", b"erased") == b"key-a"
    assert await store.replace("a", b"erased") == b"erased"
    assert await store.replace("never", b"erased") is None
    assert await store.get(["a", "never"]) == [b"erased", b"erased"]
