"""One `jasa log archive` run at a time per office: a lock in Redis held on a short lease
that the run renews while it lives. A run killed outright (SIGKILL, a lost machine) never
releases its lock; the lease then lapses (JASA_ARCHIVE_LOCK_LEASE, 30 s by default), and
the next run goes on with what the killed one left (every step of a run is repeatable)."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster
from redis.asyncio.lock import Lock
from redis.exceptions import LockError

from shared.keys import Keys

log = logging.getLogger("jasa.reporting.trimming")

LEASE_S = 30.0


class ArchivingBusy(Exception):
    """Another run is archiving this office's log now."""


@contextlib.asynccontextmanager
async def one_run_at_a_time(
    redis: Redis | RedisCluster, keys: Keys, lease_s: float = LEASE_S
) -> AsyncIterator[None]:
    """Hold the office's archiving lock for the block (renewed every third of `lease_s`), or
    raise ArchivingBusy at once."""
    lock = redis.lock(
        keys.scoped("archiving"), timeout=lease_s, thread_local=False, raise_on_release_error=False
    )
    if not await lock.acquire(blocking=False):
        raise ArchivingBusy(f"office {keys.office}'s log is being archived by another run")
    renewing = asyncio.create_task(_renew(lock, lease_s / 3), name="renew the archiving lock")
    try:
        yield
    finally:
        renewing.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await renewing
        await lock.release()


async def _renew(lock: Lock, every_s: float) -> None:
    while True:
        await asyncio.sleep(every_s)
        try:
            await lock.reacquire()
        except LockError:
            # The lease lapsed (the loop was held up longer than the lease): another run may
            # have started since, so this one no longer claims the lock.
            log.warning("the archiving lock %s lapsed while its run went on", lock.name)
            return
