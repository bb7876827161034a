"""Reading a log whose past is mostly in the archive, page after page: a replay that crosses
many of the archive's pages equals the live reports, a pass that reads the archive in larger
reads than its pages hands the same log in the same pages, and a reader going through the
log while `jasa log archive` trims it hands every event once."""

import asyncio
from contextlib import aclosing
from itertools import pairwise

from redis.asyncio import Redis

from services.reporting.replay import differences, live_head, rebuild
from services.reporting.trimming import archive_log
from shared.db import create_tables, make_engine, session_factory
from shared.keys import Keys
from tests.integration.reporting.archiving_support import (
    RawLog,
    a_trimmed_past,
    an_office_with_a_finished_past,
    archived_and_sealed,
    redis_positions,
    tiered_log,
    verdict,
    whole_log,
)
from tests.integration.reporting.conftest import Reporting
from tests.sop_history import Office


async def test_a_replay_crossing_many_archive_pages_equals_the_live_reports(
    redis: Redis, keys: Keys, office: Office, reporting: Reporting, tmp_path
) -> None:
    await an_office_with_a_finished_past(office)
    await an_office_with_a_finished_past(office)
    await archived_and_sealed(reporting, office)
    log = tiered_log(redis, keys, reporting, archive_read=2)
    run = await archive_log(log, reporting.sessions, reporting.sealer.public_key)
    assert run.events > len(await redis_positions(redis, keys))  # mostly archived
    fresh = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'replay.db'}")
    try:
        await create_tables(fresh)
        head = await live_head(reporting.sessions, keys.office)

        # Pages of two, the archive read two rows at a time: each window of Redis's entries
        # spans several reads of the archive.
        rebuilt = await rebuild(log, session_factory(fresh), until=head.position, page_size=2)
        found = [d async for d in differences(reporting.engine, fresh, office=keys.office)]
    finally:
        await fresh.dispose()

    assert rebuilt.events == len(office.appended)
    assert found == []
    in_twos = [entry async for page in log.raw_pages(limit=2) for entry in page]
    assert in_twos == await log.read_raw(limit=1000)


async def test_a_pass_reading_the_archive_in_larger_reads_than_its_pages_hands_the_same_log(
    redis: Redis, keys: Keys, office: Office, reporting: Reporting
) -> None:
    await an_office_with_a_finished_past(office)
    await an_office_with_a_finished_past(office)
    await archived_and_sealed(reporting, office)
    row_by_row = tiered_log(redis, keys, reporting, archive_read=1)
    run = await archive_log(row_by_row, reporting.sessions, reporting.sealer.public_key)
    assert run.events > 2 * 5  # several reads of five rows, and pages of two within each
    in_fives = tiered_log(redis, keys, reporting, archive_read=5)

    pages = [page async for page in in_fives.raw_pages(limit=2)]

    assert {len(page) for page in pages[:-1]} == {2}  # the caller's pages, not the reads
    assert [entry for page in pages for entry in page] == [
        entry async for page in row_by_row.raw_pages(limit=2) for entry in page
    ]
    # One page asked for is one page handed, wherever the archive's reads end.
    assert await in_fives.read_raw(limit=2) == pages[0]
    for before, page in pairwise(pages):
        assert await in_fives.read_raw(after=before[-1][0].decode(), limit=2) == page


async def test_a_reader_going_through_the_log_while_it_is_archived_hands_every_event_once(
    redis: Redis, keys: Keys, office: Office, reporting: Reporting
) -> None:
    await an_office_with_a_finished_past(office)
    await archived_and_sealed(reporting, office)
    log = tiered_log(redis, keys, reporting, archive_read=3)
    before = await whole_log(log)
    read: RawLog = []

    async with aclosing(log.raw_pages(limit=3)) as pages:
        async for page in pages:
            if not read:  # the rest of the log is trimmed under the reader's feet
                run = await archive_log(log, reporting.sessions, reporting.sealer.public_key)
                assert run.events > 3
            read += page

    assert [entry for entry in read if entry[1][b"type"] != b"LogArchived"] == before
    assert await verdict(log, reporting.engine, reporting.sealer) == (True, None)


async def test_a_reader_that_stops_midway_leaves_no_archive_read_behind(
    redis: Redis, keys: Keys, office: Office, reporting: Reporting
) -> None:
    log, _ = await a_trimmed_past(redis, keys, office, reporting)

    # A reader that stops after its first page (`read` does) must not leave a read of the
    # archive running, nor its connection out of the pool.
    async with aclosing(log.raw_pages(limit=2)) as pages:
        first = await anext(pages)
    await asyncio.sleep(0)  # a read left running would be under way by now

    assert reporting.engine.sync_engine.pool.checkedout() == 0
    assert first == await log.read_raw(limit=2)
