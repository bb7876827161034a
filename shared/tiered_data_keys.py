"""The data keys in two tiers, as the events are (shared.stores.tiered): the live dossiers' in
Redis, the finished and archived dossiers' in the archive's database, beside the archived
events they seal.

`jasa log archive` moves a finished dossier's wrapped key with its events
(`move_to_archive`): it marks that keys were moved, copies each key to the archive and
commits, then takes out of Redis each key that still is the one copied. Cut off anywhere,
the key is in Redis, or in both; run again, it is copied again (the same row) and taken
out. Redis answers first: a dossier without a key there is looked up in the archive, once
any was moved, so an archived dossier's data still reads back, and no second key is made
for it. An erasure replaces the key in Redis, then in the archive; a key erased while it
was being moved changed in Redis, so it stays there and is copied again. So the key never
survives its erasure in either tier.

The table is owned by the reporting service (services.reporting.archive) and declared
again here with its columns, as the archived events' is (shared.stores.archived)."""

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import cast

from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster
from sqlalchemy import Column, DateTime, LargeBinary, MetaData, String, Table, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.bulk import insert_rows, update_rows
from shared.data_keys import RedisDataKeys
from shared.db import chunks
from shared.keys import Keys

ARCHIVED_KEYS = Table(
    "reporting_data_key",
    MetaData(),
    Column("office", String, primary_key=True),
    Column("dossier", String, primary_key=True),
    Column("wrapped", LargeBinary),
    Column("moved_at", DateTime(timezone=True)),
)

Copied = Callable[[], Awaitable[None]]


async def _nothing() -> None:
    return None


class ArchivedDataKeys:
    """The wrapped keys of one office's archived dossiers, in the archive's database."""

    def __init__(self, engine: AsyncEngine, office: str) -> None:
        self.engine, self.office = engine, office
        self._mine = ARCHIVED_KEYS.c.office == office

    async def get(self, dossiers: Sequence[str]) -> dict[str, bytes]:
        found: dict[str, bytes] = {}
        async with self.engine.connect() as connection:
            for chunk in chunks(dossiers):
                query = select(ARCHIVED_KEYS.c.dossier, ARCHIVED_KEYS.c.wrapped).where(
                    self._mine, ARCHIVED_KEYS.c.dossier.in_(chunk)
                )
                found.update({row.dossier: row.wrapped for row in await connection.execute(query)})
        return found

    async def put(self, values: Sequence[tuple[str, bytes]]) -> None:
        """Keep each dossier's value, in place of any it had here; one transaction."""
        now = datetime.now(UTC)
        async with self.engine.begin() as connection:
            for chunk in chunks(values):
                held = await connection.execute(
                    select(ARCHIVED_KEYS.c.dossier).where(
                        self._mine, ARCHIVED_KEYS.c.dossier.in_([d for d, _ in chunk])
                    )
                )
                there = set(held.scalars())
                rows = [
                    {"office": self.office, "dossier": d, "wrapped": v, "moved_at": now}
                    for d, v in chunk
                ]
                await update_rows(
                    connection, ARCHIVED_KEYS, [r for r in rows if r["dossier"] in there]
                )
                await insert_rows(
                    connection, ARCHIVED_KEYS, [r for r in rows if r["dossier"] not in there]
                )

    async def replace(self, dossier: str, value: bytes) -> bytes | None:
        """Put `value` in place of the dossier's archived one, if it has one; that one."""
        async with self.engine.begin() as connection:
            mine = self._mine & (ARCHIVED_KEYS.c.dossier == dossier)
            before = (
                await connection.execute(select(ARCHIVED_KEYS.c.wrapped).where(mine))
            ).scalar()
            if before is not None:
                await connection.execute(update(ARCHIVED_KEYS).where(mine).values(wrapped=value))
        return before


class TieredDataKeys:
    """The DataKeyStore port over Redis and the archive."""

    def __init__(self, hot: RedisDataKeys, archive: ArchivedDataKeys) -> None:
        self.hot, self.archive = hot, archive

    async def offer(self, offers: Sequence[tuple[str, bytes]]) -> list[bytes]:
        found = dict(zip([d for d, _ in offers], await self.hot.offered(offers), strict=True))
        asked = [dossier for dossier, value in found.items() if value is None]
        if asked:
            found |= await self.archive.get(asked)
            # Neither tier has one: a dossier that never had a key gets it now.
            new = [(d, v) for d, v in offers if found[d] is None]
            found |= zip([d for d, _ in new], await self.hot.offered(new, mint=True), strict=True)
        return [cast(bytes, found[dossier]) for dossier, _ in offers]

    async def get(self, dossiers: Sequence[str]) -> list[bytes | None]:
        found, moved = await self.hot.held(dossiers)
        missing = [dossier for dossier, value in zip(dossiers, found, strict=True) if value is None]
        if not (moved and missing):
            return found
        archived = await self.archive.get(missing)
        return [
            value if value is not None else archived.get(dossier)
            for dossier, value in zip(dossiers, found, strict=True)
        ]

    async def replace(self, dossier: str, value: bytes) -> bytes | None:
        before, moved = await self.hot.replaced(dossier, value)
        if not moved:
            return before
        archived = await self.archive.replace(dossier, value)
        return before if before is not None else archived

    async def move_to_archive(self, dossiers: Sequence[str], copied: Copied = _nothing) -> int:
        """Move the dossiers' keys out of Redis into the archive (those Redis holds); how
        many left Redis. `copied` is called after each copy is committed."""
        await self.hot.mark_moved()
        wanted, moved = list(dict.fromkeys(dossiers)), 0
        while wanted:
            found, _ = await self.hot.held(wanted)
            held = [(d, v) for d, v in zip(wanted, found, strict=True) if v is not None]
            if not held:
                break
            await self.archive.put(held)
            await copied()
            # A key replaced meanwhile (erased) stays in Redis: its new value is copied next.
            wanted = await self.hot.remove_unchanged(held)
            moved += len(held) - len(wanted)
        return moved


def tiered_data_keys(
    redis: Redis | RedisCluster, keys: Keys, archive: AsyncEngine
) -> TieredDataKeys:
    """One office's data keys: Redis, and the archive's database for the moved ones."""
    return TieredDataKeys(RedisDataKeys(redis, keys), ArchivedDataKeys(archive, keys.office))
