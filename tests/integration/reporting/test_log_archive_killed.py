"""`jasa log archive` as a real process, killed (SIGKILL) between its check and its trim
and between two trims: nothing is lost, and run again it finishes the job; `jasa audit
verify` passes, every event is in the log once, and a replay equals the live reports."""

import asyncio
import os
import signal
import sys
from dataclasses import dataclass

import pytest
from redis.asyncio import Redis

from services.cli.archiving import KILL_AT
from services.reporting.run_lock import ArchivingBusy
from services.reporting.trimming import archive_log
from shared.keys import Keys
from tests.integration.reporting.archiving_support import (
    an_office_with_a_finished_past,
    archived_and_sealed,
    redis_positions,
    replayed,
    tiered_log,
    verdict,
    whole_log,
)
from tests.integration.reporting.conftest import Reporting
from tests.polling import wait_until
from tests.sop_history import Office

# A few trims, so that one can be killed between two; a lock that lapses three seconds after
# its run last renewed it (at most a second before it was killed).
SMALL_STEPS = {"JASA_TRIM_STEP": "3", "JASA_ARCHIVE_LOCK_LEASE": "3"}


@dataclass
class Exited:
    code: int
    output: str


async def jasa(*arguments: str, env: dict[str, str] | None = None) -> Exited:
    """`jasa ARGUMENTS` as a process of its own, in this test's environment and `env`."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "services.cli", *arguments,
        env=os.environ | (env or {}),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode is not None
    return Exited(process.returncode, output.decode())


@pytest.mark.parametrize(
    ("killed_at", "trimmed_before_the_kill"),
    [("marked", 0), ("trimmed:2", 6)],  # between its check and its trim; between two trims
)
async def test_jasa_log_archive_killed_loses_nothing_and_its_next_run_finishes(
    killed_at: str,
    trimmed_before_the_kill: int,
    redis: Redis,
    keys: Keys,
    office: Office,
    reporting: Reporting,
    tmp_path,
) -> None:
    await an_office_with_a_finished_past(office)
    await archived_and_sealed(reporting, office)
    log = tiered_log(redis, keys, reporting)
    before = await whole_log(log)
    in_redis = len(await redis_positions(redis, keys))

    killed = await jasa("log", "archive", env=SMALL_STEPS | {KILL_AT: killed_at})

    assert killed.code == -signal.SIGKILL, killed.output
    with pytest.raises(ArchivingBusy):  # its lock is held until its lease lapses
        await archive_log(log, reporting.sessions, reporting.sealer.public_key)
    left = await redis_positions(redis, keys)
    recorded = 0 if killed_at == "marked" else 1  # its LogArchived record
    assert len(left) == in_redis + recorded - trimmed_before_the_kill
    assert await whole_log(log) == before
    assert await verdict(log, reporting.engine, reporting.sealer) == (True, None)

    await wait_until(lambda: lock_lapsed(redis, keys), within=10)
    again = await jasa("log", "archive", env=SMALL_STEPS)
    verified = await jasa("audit", "verify")
    third = await jasa("log", "archive", env=SMALL_STEPS)

    assert again.code == 0, again.output
    assert "archived and trimmed" in again.output
    assert len(await redis_positions(redis, keys)) < in_redis
    assert verified.code == 0, verified.output
    assert third.code == 0 and "nothing to archive" in third.output, third.output
    assert await whole_log(log) == before  # every event once, in the log's order
    records = [e async for page in log.raw_pages() for e in page if e[1][b"type"] == b"LogArchived"]
    assert len(records) == 1  # the batch recorded once, however often its run was started
    rebuilt, found = await replayed(log, reporting, tmp_path)
    assert rebuilt == len(office.appended)
    assert found == []


async def test_a_run_longer_than_its_lock_s_lease_keeps_its_lock(
    redis: Redis, keys: Keys, office: Office, reporting: Reporting
) -> None:
    await an_office_with_a_finished_past(office)
    await archived_and_sealed(reporting, office)
    log = tiered_log(redis, keys, reporting)
    sessions, public_key = reporting.sessions, reporting.sealer.public_key
    refusals: list[str] = []

    async def another_run_meanwhile(name: str) -> None:
        if name == "checked":
            for _ in range(4):  # a second and more, the lease a fifth of that
                await asyncio.sleep(0.3)
                with pytest.raises(ArchivingBusy) as refused:
                    await archive_log(log, sessions, public_key)
                refusals.append(str(refused.value))

    run = await archive_log(log, sessions, public_key, step=another_run_meanwhile, lock_lease_s=0.2)

    assert run.events > 0 and len(refusals) == 4
    assert await lock_lapsed(redis, keys)  # released at the end


async def lock_lapsed(redis: Redis, keys: Keys) -> bool:
    return not await redis.exists(keys.scoped("archiving"))
