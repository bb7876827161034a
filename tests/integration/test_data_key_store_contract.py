"""The data-key store's contract (shared.data_keys), one suite run against every
implementation: Redis (on the suite's server, under the test's own key prefix), memory, and
the tiered store (shared.tiered_data_keys) with its keys in Redis, and with every key moved
to the archive after each call, so that the archive answers."""

from collections.abc import Sequence

import pytest
from redis.asyncio import Redis

from shared.data_keys import DataKeyStore, InMemoryDataKeys, RedisDataKeys
from shared.keys import Keys
from shared.tiered_data_keys import TieredDataKeys, tiered_data_keys


class MovedAfterEveryCall:
    """The tiered store, every key it was ever asked about moved to the archive after each
    call (as `jasa log archive` moves a finished dossier's)."""

    def __init__(self, tiered: TieredDataKeys) -> None:
        self.tiered, self.asked = tiered, set[str]()

    async def _moved(self, dossiers: Sequence[str]) -> None:
        self.asked.update(dossiers)
        await self.tiered.move_to_archive(sorted(self.asked))

    async def offer(self, offers: Sequence[tuple[str, bytes]]) -> list[bytes]:
        found = await self.tiered.offer(offers)
        await self._moved([dossier for dossier, _ in offers])
        return found

    async def get(self, dossiers: Sequence[str]) -> list[bytes | None]:
        found = await self.tiered.get(dossiers)
        await self._moved(dossiers)
        return found

    async def replace(self, dossier: str, value: bytes) -> bytes | None:
        before = await self.tiered.replace(dossier, value)
        await self._moved([dossier])
        return before


@pytest.fixture(params=["redis", "memory", "tiered", "tiered-moved"])
def store(request: pytest.FixtureRequest) -> DataKeyStore:
    if request.param == "memory":
        return InMemoryDataKeys()
    redis: Redis = request.getfixturevalue("redis")
    keys: Keys = request.getfixturevalue("keys")
    if request.param == "redis":
        return RedisDataKeys(redis, keys)
    tiered = tiered_data_keys(redis, keys, request.getfixturevalue("key_archive"))
    return tiered if request.param == "tiered" else MovedAfterEveryCall(tiered)


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
