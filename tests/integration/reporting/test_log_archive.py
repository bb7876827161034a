"""`jasa log archive`: the finished past leaves Redis for the archive, and every reader
(loading an aggregate, reading the log, verify, replay, erasure) still sees one log."""

from datetime import UTC, datetime, timedelta

import pytest
from redis.asyncio import Redis
from sqlalchemy import event, text

from services.reporting import leaving, trimming
from services.reporting.trimming import archive_log
from services.reporting.verification import verify
from shared.events import Envelope, new_event
from shared.keys import Keys
from shared.log import ConcurrencyConflict, EventLog
from tests.integration.reporting.archiving_support import (
    LONG_AGO,
    a_trimmed_past,
    an_office_with_a_finished_past,
    archived_and_sealed,
    redis_positions,
    replayed,
    tiered_log,
    verdict,
    whole_log,
)
from tests.integration.reporting.conftest import CHECKPOINT_EVERY, Reporting, run_jasa
from tests.sop_history import FO, Office


class CutOff(Exception):
    """A run stopped at a step, as a killed process stops."""


def cut_off_at(wanted: str, after: int = 1) -> trimming.Step:
    seen = 0

    async def step(name: str) -> None:
        nonlocal seen
        if name == wanted:
            seen += 1
            if seen == after:
                raise CutOff(name)

    return step


async def test_finished_history_leaves_redis_and_every_reader_still_reads_it_byte_for_byte(
    redis: Redis, keys: Keys, office: Office, reporting: Reporting
) -> None:
    history = await an_office_with_a_finished_past(office)
    await archived_and_sealed(reporting, office)
    log = tiered_log(redis, keys, reporting)
    before = await whole_log(log)
    delivered = f"dossier-{history.delivered}"
    loaded_before = await log.load(delivered)

    run = await archive_log(log, reporting.sessions, reporting.sealer.public_key)

    left = await redis_positions(redis, keys)
    assert run.events == len(before) + 1 - len(left) > 0  # and its LogArchived record
    assert await redis.exists(keys.stream(delivered)) == 0  # its stream left Redis whole
    assert await whole_log(log) == before  # every entry, every field, every byte, in order
    assert await log.load(delivered) == loaded_before
    assert await log.version(delivered) == len(loaded_before)
    assert await verdict(log, reporting.engine, reporting.sealer) == (True, None)


async def test_what_stays_in_redis_is_the_unfinished_the_recent_and_the_last_checkpoint(
    redis: Redis, keys: Keys, office: Office, reporting: Reporting
) -> None:
    history = await an_office_with_a_finished_past(office)
    await archived_and_sealed(reporting, office)
    log = tiered_log(redis, keys, reporting)
    last = (await whole_log(log))[-1][0].decode()

    await archive_log(log, reporting.sessions, reporting.sealer.public_key)

    left = {event.position: event for event in await EventLog(redis, keys).read(limit=1000)}
    kept = {(event.type, event.stream_id) for event in left.values()}
    assert ("DocumentRegistered", f"dossier-{history.with_courier}") in kept
    assert ("DocumentRegistered", f"dossier-{history.registered_lately}") in kept
    assert (
        "RecapCompiled",
        next(e.stream_id for e in office.appended if e.type == "RecapCompiled"),
    ) in kept
    assert last in left  # the last signed checkpoint's event
    assert not any(f"{history.delivered}" in stream for _, stream in kept)
    assert not any(f"{history.received_back}" in stream for _, stream in kept)


async def test_a_page_of_younger_events_ends_a_run_s_scan_and_a_later_run_goes_past_it(
    redis: Redis, keys: Keys, office: Office, reporting: Reporting, monkeypatch
) -> None:
    """A week's run reads about a week of the archive, not the whole hot window: what is old
    enough beyond a page of younger events (here written late) waits for a later run."""
    monkeypatch.setattr(leaving, "SCAN_PAGE", CHECKPOINT_EVERY)
    first = await an_office_with_a_finished_past(office)
    for _ in range(3 * CHECKPOINT_EVERY):
        await office.register()
    late = await an_office_with_a_finished_past(office)
    await archived_and_sealed(reporting, office)
    log = tiered_log(redis, keys, reporting)
    everything = await whole_log(log)

    await archive_log(log, reporting.sessions, reporting.sealer.public_key)

    kept = {event.stream_id for event in await EventLog(redis, keys).read(limit=1000)}
    assert f"dossier-{first.delivered}" not in kept
    assert f"dossier-{late.delivered}" in kept

    await archive_log(
        log,
        reporting.sessions,
        reporting.sealer.public_key,
        now=datetime.now(UTC) + timedelta(days=100),
    )

    kept = {event.stream_id for event in await EventLog(redis, keys).read(limit=1000)}
    assert f"dossier-{late.delivered}" not in kept
    assert f"dossier-{late.registered_lately}" in kept  # old enough now, but not finished
    assert await whole_log(log) == everything
    assert await verdict(log, reporting.engine, reporting.sealer) == (True, None)


async def test_a_record_that_always_stays_does_not_make_later_runs_read_the_trimmed_past(
    redis: Redis, keys: Keys, office: Office, reporting: Reporting, monkeypatch
) -> None:
    """Each run leaves its LogArchived record in Redis for good; the next runs go on from
    the signed checkpoint before the first event that may leave, not from that record."""
    monkeypatch.setattr(leaving, "SCAN_PAGE", CHECKPOINT_EVERY)
    log = tiered_log(redis, keys, reporting)
    scanned: list[int] = []  # the archive numbers each page of a run's scan starts after

    def page_read(conn, cursor, statement, parameters, context, executemany) -> None:
        if "FROM reporting_archive" in statement and "seq <=" in statement:
            scanned.append(parameters[1])

    async def a_finished_stretch() -> None:
        office.clock = LONG_AGO
        dossiers = [await office.register() for _ in range(6)]
        letter = await office.draft(await office.recap(dossiers))
        await office.sign(letter)
        await office.accept(letter)
        for dossier in dossiers:
            await office.deliver(dossier, letter)

    async def a_run() -> list[int]:
        await archived_and_sealed(reporting, office)
        scanned.clear()
        run = await archive_log(log, reporting.sessions, reporting.sealer.public_key)
        assert run.events > 0
        return list(scanned)

    event.listen(reporting.engine.sync_engine, "before_cursor_execute", page_read)
    try:
        for _ in range(2):
            await a_finished_stretch()
            await a_run()
        second = list(scanned)
        await a_finished_stretch()
        third = await a_run()
    finally:
        event.remove(reporting.engine.sync_engine, "before_cursor_execute", page_read)

    assert min(third) >= max(second)  # the second stretch, trimmed, is not read again
    assert await verdict(log, reporting.engine, reporting.sealer) == (True, None)


async def test_a_second_run_does_nothing(
    redis: Redis, keys: Keys, office: Office, reporting: Reporting
) -> None:
    log, _ = await a_trimmed_past(redis, keys, office, reporting)
    left = await redis_positions(redis, keys)

    again = await archive_log(log, reporting.sessions, reporting.sealer.public_key)

    assert (again.batches, again.events) == (0, 0)
    assert await redis_positions(redis, keys) == left


async def test_nothing_newer_than_the_hot_window_leaves_redis(
    redis: Redis, keys: Keys, office: Office, reporting: Reporting
) -> None:
    await an_office_with_a_finished_past(office)
    await archived_and_sealed(reporting, office)
    log = tiered_log(redis, keys, reporting)
    before = await redis_positions(redis, keys)

    run = await archive_log(log, reporting.sessions, reporting.sealer.public_key, hot_days=365)

    assert run.events == 0
    assert await redis_positions(redis, keys) == before


async def test_a_stream_trimmed_keeps_its_version_for_the_next_append_and_refuses_a_stale_one(
    redis: Redis, keys: Keys, office: Office, reporting: Reporting
) -> None:
    history = await an_office_with_a_finished_past(office)
    await archived_and_sealed(reporting, office)
    log = tiered_log(redis, keys, reporting)
    stream = f"dossier-{history.delivered}"
    version = await log.version(stream)
    await archive_log(log, reporting.sessions, reporting.sealer.public_key)

    with pytest.raises(ConcurrencyConflict):
        await log.append(stream, [a_note_on(stream)], expected_version=version - 1)
    [appended] = await log.append(stream, [a_note_on(stream)], expected_version=version)

    assert appended.version == version + 1
    assert [e.version for e in await log.load(stream)] == list(range(1, version + 2))


async def test_a_run_cut_off_between_its_check_and_its_trim_loses_nothing(
    redis: Redis, keys: Keys, office: Office, reporting: Reporting
) -> None:
    await an_office_with_a_finished_past(office)
    await archived_and_sealed(reporting, office)
    log = tiered_log(redis, keys, reporting)
    before = await whole_log(log)
    sessions, public_key = reporting.sessions, reporting.sealer.public_key

    with pytest.raises(CutOff):
        await archive_log(log, sessions, public_key, step=cut_off_at("marked"))
    assert await redis_positions(redis, keys) == [p.decode() for p, _ in before]
    assert await verdict(log, reporting.engine, reporting.sealer) == (True, None)

    run = await archive_log(log, sessions, public_key)

    assert (run.batches, run.events > 0) == (1, True)
    assert await whole_log(log) == before
    assert await verdict(log, reporting.engine, reporting.sealer) == (True, None)


async def test_a_run_cut_off_between_two_trims_loses_nothing(
    redis: Redis,
    keys: Keys,
    office: Office,
    reporting: Reporting,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(trimming, "TRIM_STEP", 3)
    await an_office_with_a_finished_past(office)
    await archived_and_sealed(reporting, office)
    log = tiered_log(redis, keys, reporting)
    before = await whole_log(log)
    sessions, public_key = reporting.sessions, reporting.sealer.public_key

    with pytest.raises(CutOff):
        await archive_log(log, sessions, public_key, step=cut_off_at("trimmed", after=2))
    assert len(before) + 1 - len(await redis_positions(redis, keys)) == 6  # two steps of three
    assert await whole_log(log) == before
    assert await verdict(log, reporting.engine, reporting.sealer) == (True, None)

    await archive_log(log, sessions, public_key)

    assert await whole_log(log) == before
    assert await verdict(log, reporting.engine, reporting.sealer) == (True, None)
    again = await archive_log(log, sessions, public_key)
    assert (again.batches, again.events) == (0, 0)


async def test_a_tampered_archived_row_is_named_by_verify(
    redis: Redis, keys: Keys, office: Office, reporting: Reporting
) -> None:
    history = await an_office_with_a_finished_past(office)
    await archived_and_sealed(reporting, office)
    log = tiered_log(redis, keys, reporting)
    await archive_log(log, reporting.sessions, reporting.sealer.public_key)
    delivered = next(
        e
        for e in office.appended
        if e.type == "Delivered" and e.data.dossier_id == history.delivered  # type: ignore[attr-defined]
    )
    async with reporting.engine.begin() as connection:
        await connection.execute(
            text(
                "UPDATE reporting_archive SET body = replace(body, 'Rina', 'Rani') "
                "WHERE position = :p"
            ),
            {"p": delivered.position},
        )

    ok, named = await verdict(log, reporting.engine, reporting.sealer)

    assert (ok, named) == (False, delivered.position)


async def test_an_event_deleted_from_redis_without_being_archived_is_named_removed(
    redis: Redis, keys: Keys, office: Office, reporting: Reporting
) -> None:
    history = await an_office_with_a_finished_past(office)
    await archived_and_sealed(reporting, office)
    log = tiered_log(redis, keys, reporting)
    await archive_log(log, reporting.sessions, reporting.sealer.public_key)
    kept = next(e for e in office.appended if e.stream_id == f"dossier-{history.with_courier}")
    await redis.xdel(keys.log, kept.position)

    ok, named = await verdict(log, reporting.engine, reporting.sealer)

    assert (ok, named) == (False, kept.position)


async def test_events_marked_trimmed_behind_the_log_s_back_are_named(
    redis: Redis, keys: Keys, office: Office, reporting: Reporting
) -> None:
    history = await an_office_with_a_finished_past(office)
    await archived_and_sealed(reporting, office)
    log = tiered_log(redis, keys, reporting)
    await archive_log(log, reporting.sessions, reporting.sealer.public_key)
    kept = next(e for e in office.appended if e.stream_id == f"dossier-{history.with_courier}")
    async with reporting.engine.begin() as connection:  # one more row slipped into a batch
        batch = (
            await connection.execute(text("SELECT batch FROM reporting_trim_batch"))
        ).scalar_one()
        await connection.execute(
            text("UPDATE reporting_archive SET trimmed_by = :b WHERE position = :p"),
            {"b": batch, "p": kept.position},
        )
    await redis.xdel(keys.log, kept.position)

    found = await verify(log, reporting.sessions, reporting.sealer.public_key, CHECKPOINT_EVERY)

    assert (found.ok, found.kind) == (False, "removed")
    assert f"LogArchived {batch} records" in (found.problem or "")


async def test_the_replay_of_a_half_archived_log_equals_the_live_reports(
    redis: Redis, keys: Keys, office: Office, reporting: Reporting, tmp_path
) -> None:
    await an_office_with_a_finished_past(office)
    await archived_and_sealed(reporting, office)
    log = tiered_log(redis, keys, reporting)
    await archive_log(log, reporting.sessions, reporting.sealer.public_key)

    rebuilt, found = await replayed(log, reporting, tmp_path)

    assert rebuilt == len(office.appended)
    assert found == []


async def test_jasa_log_archive_then_jasa_audit_verify(
    redis: Redis, keys: Keys, office: Office, reporting: Reporting
) -> None:
    await an_office_with_a_finished_past(office)
    await archived_and_sealed(reporting, office)
    before = await redis_positions(redis, keys)

    archived = await run_jasa("log", "archive")
    verified = await run_jasa("audit", "verify")
    again = await run_jasa("log", "archive")

    assert archived.exit_code == 0, archived.output
    assert "archived and trimmed" in archived.output
    assert len(await redis_positions(redis, keys)) < len(before)
    assert verified.exit_code == 0, verified.output
    assert again.exit_code == 0 and "nothing to archive" in again.output


def a_note_on(stream: str) -> Envelope:
    from shared.events import PersonalDataErased

    dossier = stream.removeprefix("dossier-")
    return new_event(
        PersonalDataErased(dossier_id=dossier),  # type: ignore[arg-type]
        stream_id=stream,
        actor=FO,
        office="1471",
    )


async def test_a_trimmed_event_is_still_found_at_its_position_and_by_its_id(
    redis: Redis, keys: Keys, office: Office, reporting: Reporting
) -> None:
    history = await an_office_with_a_finished_past(office)
    await archived_and_sealed(reporting, office)
    log = tiered_log(redis, keys, reporting)
    registered = office.appended[0]
    assert registered.stream_id == f"dossier-{history.delivered}"
    await archive_log(log, reporting.sessions, reporting.sealer.public_key)

    assert await redis.xrange(keys.log, registered.position, registered.position) == []
    assert await log.at(registered.position or "") == registered
    assert await log.find(registered.event_id) == registered


async def test_a_consumer_group_that_has_not_read_the_past_holds_its_archiving_back(
    redis: Redis, keys: Keys, office: Office, reporting: Reporting
) -> None:
    await an_office_with_a_finished_past(office)
    await archived_and_sealed(reporting, office)
    log = tiered_log(redis, keys, reporting)
    await redis.xgroup_create(keys.log, "stopped-long-ago", id="0")
    second = office.appended[1].position or ""
    await redis.xgroup_create(keys.log, "reading", id=second)  # read up to the second event
    before = await redis_positions(redis, keys)

    held = await archive_log(log, reporting.sessions, reporting.sealer.public_key)
    assert held.events == 0
    assert await redis_positions(redis, keys) == before
    await redis.xgroup_destroy(keys.log, "stopped-long-ago")
    partly = await archive_log(log, reporting.sessions, reporting.sealer.public_key)

    assert partly.events == 1  # the first event alone was read by every group
    assert await verdict(log, reporting.engine, reporting.sealer) == (True, None)
