"""Where the data keys of personal data are kept (shared.privacy seals with them): a narrow
port, so that sealing does not depend on Redis, with its two adapters. On Redis the keys of
one office are the hash `jasa:{<office>}:pii-keys`, apart from the log; in memory they serve
the handlers' unit tests. One contract suite (tests/integration/test_data_key_store_contract.py)
runs against both.

A store holds one wrapped key (bytes) per dossier, under the dossier's id as text; it never
sees a key in clear, and knows nothing of what a stored value means."""

from collections.abc import Sequence
from typing import Protocol, cast

from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster

from shared.keys import Keys

# Offer each dossier a value (ARGV: dossier, value, dossier, value, ...) and read whichever
# each has now: the one offered, or the one it had. One step for a whole page of events.
_OFFER_SCRIPT = """
local found = {}
for i = 1, #ARGV, 2 do
  redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[i + 1])
  found[#found + 1] = redis.call('HGET', KEYS[1], ARGV[i])
end
return found
"""

# Put a dossier's value in place of whatever it had, and answer what that was.
_REPLACE_SCRIPT = """
local current = redis.call('HGET', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return current
"""


class DataKeyStore(Protocol):
    async def offer(self, offers: Sequence[tuple[str, bytes]]) -> list[bytes]:
        """Keep each offered value where its dossier has none yet, in one atomic step; the
        value each dossier holds afterwards, in the order offered."""
        ...

    async def get(self, dossiers: Sequence[str]) -> list[bytes | None]:
        """The value each dossier holds (None: none), in the order asked."""
        ...

    async def replace(self, dossier: str, value: bytes) -> bytes | None:
        """Put `value` in place of the dossier's, atomically; the value it held before."""
        ...


class RedisDataKeys:
    """The data keys of one office, in a hash under its hash tag (Redis Cluster too)."""

    def __init__(self, redis: Redis | RedisCluster, keys: Keys) -> None:
        self.redis = redis
        self.key = keys.scoped("pii-keys")
        self._offer = redis.register_script(_OFFER_SCRIPT)
        self._replace = redis.register_script(_REPLACE_SCRIPT)

    async def offer(self, offers: Sequence[tuple[str, bytes]]) -> list[bytes]:
        args = [part for dossier, value in offers for part in (dossier, value)]
        return cast(list[bytes], await self._offer(keys=[self.key], args=args))

    async def get(self, dossiers: Sequence[str]) -> list[bytes | None]:
        return cast(list[bytes | None], await self.redis.hmget(self.key, list(dossiers)))

    async def replace(self, dossier: str, value: bytes) -> bytes | None:
        return cast(bytes | None, await self._replace(keys=[self.key], args=[dossier, value]))


class InMemoryDataKeys:
    """The same contract in a dict, for tests that need no server. Each call runs without
    awaiting anything, so it is one atomic step on the event loop."""

    def __init__(self) -> None:
        self._values: dict[str, bytes] = {}

    async def offer(self, offers: Sequence[tuple[str, bytes]]) -> list[bytes]:
        return [self._values.setdefault(dossier, value) for dossier, value in offers]

    async def get(self, dossiers: Sequence[str]) -> list[bytes | None]:
        return [self._values.get(dossier) for dossier in dossiers]

    async def replace(self, dossier: str, value: bytes) -> bytes | None:
        before = self._values.get(dossier)
        self._values[dossier] = value
        return before
