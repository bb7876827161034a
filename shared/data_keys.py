"""Where the data keys of personal data are kept (shared.privacy seals with them): a narrow
port, so that sealing does not depend on Redis, with its two adapters. On Redis the keys of
one office are the hash `jasa:{<office>}:pii-keys`, apart from the log; in memory they serve
the handlers' unit tests. One contract suite (tests/integration/test_data_key_store_contract.py)
runs against both.

A store holds one wrapped key (bytes) per dossier, under the dossier's id as text; it never
sees a key in clear, and knows nothing of what a stored value means.

`jasa log archive` moves a finished dossier's key out of Redis into the archive's database
(shared.tiered_data_keys, the store the services use). Once it has moved any, a mark beside
the hash says so, and Redis alone can no longer tell a key that moved from one never made:
RedisDataKeys then refuses (KeysMoved) where it would have to, rather than mint a second key
or read an archived dossier as erased."""

from collections.abc import Sequence
from typing import Protocol, cast

from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster

from shared.keys import Keys

# Offer each dossier a value (ARGV: mint, then dossier, value, dossier, value, ...) and read
# whichever each has now: the one offered, or the one it had. One step for a whole page of
# events. Where the dossier has none here but keys were moved (KEYS[2]) and `mint` is '0',
# nothing is kept: false, for the archive to answer.
_OFFER_SCRIPT = """
local asking = ARGV[1] == '0' and redis.call('EXISTS', KEYS[2]) == 1
local found = {}
for i = 2, #ARGV, 2 do
  local held = redis.call('HGET', KEYS[1], ARGV[i])
  if not held and not asking then
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
    held = ARGV[i + 1]
  end
  found[#found + 1] = held
end
return found
"""

# Put a dossier's value in place of whatever it had; answer what that was, and whether keys
# were moved (then the archive may hold the dossier's too).
_REPLACE_SCRIPT = """
local current = redis.call('HGET', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return {current, redis.call('EXISTS', KEYS[2])}
"""

# Take out each dossier's value (ARGV: dossier, value, ...) where it still is the one given,
# which the archive holds now; one replaced meanwhile (an erasure) stays. The dossiers whose
# value changed.
_REMOVE_SCRIPT = """
local changed = {}
for i = 1, #ARGV, 2 do
  local held = redis.call('HGET', KEYS[1], ARGV[i])
  if held == ARGV[i + 1] then
    redis.call('HDEL', KEYS[1], ARGV[i])
  elseif held then
    changed[#changed + 1] = ARGV[i]
  end
end
return changed
"""


class KeysMoved(Exception):
    """Redis alone cannot answer for these dossiers: keys of the office were moved to the
    archive, so read and offer them through the tiered store (shared.tiered_data_keys)."""


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
        self.moved = keys.scoped("pii-keys:moved")  # set once some went to the archive
        self._offer = redis.register_script(_OFFER_SCRIPT)
        self._replace = redis.register_script(_REPLACE_SCRIPT)
        self._remove = redis.register_script(_REMOVE_SCRIPT)

    async def offer(self, offers: Sequence[tuple[str, bytes]]) -> list[bytes]:
        found = await self.offered(offers)
        if any(value is None for value in found):
            raise KeysMoved("a dossier offered a key may have one in the archive")
        return cast(list[bytes], found)

    async def get(self, dossiers: Sequence[str]) -> list[bytes | None]:
        found, moved = await self.held(dossiers)
        if moved and any(value is None for value in found):
            raise KeysMoved("a dossier asked for may have its key in the archive")
        return found

    async def replace(self, dossier: str, value: bytes) -> bytes | None:
        before, moved = await self.replaced(dossier, value)
        if moved and before is None:
            raise KeysMoved(f"dossier {dossier} may have its key in the archive, still there")
        return before

    async def offered(
        self, offers: Sequence[tuple[str, bytes]], mint: bool = False
    ) -> list[bytes | None]:
        """`offer`, but a dossier with no key here once keys were moved is answered None and
        given none, unless `mint` (the archive has none for it either)."""
        args: list[str | bytes] = ["1" if mint else "0"]
        args += [part for dossier, value in offers for part in (dossier, value)]
        return cast(list[bytes | None], await self._offer(keys=[self.key, self.moved], args=args))

    async def held(self, dossiers: Sequence[str]) -> tuple[list[bytes | None], bool]:
        """The value each dossier holds here, and whether keys were moved to the archive
        (asked only when some dossier holds none here: one read while every one does)."""
        found = cast(list[bytes | None], await self.redis.hmget(self.key, list(dossiers)))
        if all(value is not None for value in found):
            return found, False
        return found, bool(await self.redis.exists(self.moved))

    async def replaced(self, dossier: str, value: bytes) -> tuple[bytes | None, bool]:
        """`replace`, and whether keys were moved to the archive."""
        before, moved = await self._replace(keys=[self.key, self.moved], args=[dossier, value])
        return cast(bytes | None, before), bool(moved)

    async def mark_moved(self) -> None:
        """From now on a dossier without a key here may have one in the archive."""
        await self.redis.set(self.moved, b"1")

    async def remove_unchanged(self, values: Sequence[tuple[str, bytes]]) -> list[str]:
        """Take out each dossier's value if it still is the one given; those that changed."""
        args = [part for dossier, value in values for part in (dossier, value)]
        changed = await self._remove(keys=[self.key], args=args)
        return [dossier.decode() for dossier in cast(list[bytes], changed)]


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
