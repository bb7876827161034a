"""`jasa log archive` takes out of Redis what else a finished dossier kept there, beside its
events: its data keys move to the archive's database (and its letter's), its handover's
courier feed entry is deleted. Its personal data still reads back, and an erasure still
makes it unreadable."""

import uuid
from dataclasses import dataclass

import pytest
from pydantic import BaseModel
from redis.asyncio import Redis
from sqlalchemy import text

from services.cli.privacy import erase_personal_data
from services.courier.feed import CourierFeed
from services.reporting.archive import seal_head
from services.reporting.archivist import Archivist
from services.reporting.trimming import ArchiveRun, archive_log
from shared.events import Actor, DocumentRegistered, RejectionAddressed
from shared.keys import Keys
from shared.log import EventLog
from shared.master_key import load_or_create_master_key
from shared.privacy import ERASED, TOMBSTONE, Privacy, WrongMasterKey
from shared.settings import CommonSettings
from shared.tiered_data_keys import tiered_data_keys
from shared.vocabulary import Role
from tests.integration.reporting.archiving_support import (
    LONG_AGO,
    replayed,
    tiered_log,
    verdict,
)
from tests.integration.reporting.conftest import CHECKPOINT_EVERY, Reporting
from tests.integration.reporting.test_log_archive import CutOff, cut_off_at
from tests.sop_history import Office

AUDITOR = Actor(officer_id="auditor-1", name="Auditor Uji", role=Role.AUDITOR)


@dataclass
class Past:
    office: Office
    finished: list[uuid.UUID]  # delivered (one after a failed attempt), or received back
    unfinished: list[uuid.UUID]  # one still with the courier, one registered today
    letters: list[uuid.UUID]  # a rejected letter and its redraft, both of finished dossiers
    handovers: dict[str, uuid.UUID]  # "finished" and "unfinished": their letters


@pytest.fixture
def master_key(service_env: dict[str, str]) -> bytes:
    return load_or_create_master_key(CommonSettings())


@pytest.fixture
def sealing_log(redis: Redis, keys: Keys, reporting: Reporting, master_key: bytes) -> EventLog:
    """The office log as the services have it: tiered, personal data sealed and revealed
    under keys kept in Redis and, once moved, in the archive."""
    privacy = Privacy(tiered_data_keys(redis, keys, reporting.engine), keys, master_key)
    return EventLog(tiered_log(redis, keys, reporting).store, keys, privacy)


async def a_sealed_finished_past(office: Office) -> Past:
    """Two recaps of 200 days ago: one whose dossiers were delivered after a failed attempt,
    returned and received back, and one still out; one whose letter was rejected, drafted
    again and whose two dossiers were delivered. And a registration of today."""
    office.clock = LONG_AGO
    first = [await office.register(name=f"Warga Satu {n}") for n in range(3)]
    letter = await office.draft(await office.recap(first))
    await office.sign(letter)
    await office.accept(letter)
    await office.out_for_delivery(first[0], letter)
    await office.attempt(first[0], letter, 1)
    await office.deliver(first[0], letter)
    await office.out_for_delivery(first[1], letter)
    await office.return_(first[1], letter)
    await office.receive_back(first[1], letter)
    second = [await office.register(name=f"Warga Dua {n}") for n in range(2)]
    rejected = await office.draft(await office.recap(second))
    await office.reject(rejected)
    redrafted = await office.redraft(rejected, fix="nomor surat diperbaiki")
    await office.sign(redrafted)
    await office.accept(redrafted)
    for dossier in second:
        await office.deliver(dossier, redrafted)
    office.clock = LONG_AGO.replace(year=LONG_AGO.year + 1)
    lately = await office.register(name="Warga Baru")
    return Past(
        office=office,
        finished=[first[0], first[1], *second],
        unfinished=[first[2], lately],
        letters=[rejected, redrafted],
        handovers={"finished": redrafted, "unfinished": letter},
    )


@pytest.fixture
async def past(reporting: Reporting, sealing_log: EventLog) -> Past:
    """That past, sealed; the archivist (projecting the revealed events, as live) has every
    event, and its chain is sealed up to the last."""
    office = Office(sealing_log)
    past = await a_sealed_finished_past(office)
    archivist = Archivist(
        sealing_log, reporting.sessions, reporting.sealer, CHECKPOINT_EVERY, page_size=3
    )
    for event in office.appended:
        await archivist(event)
    async with reporting.sessions() as session:
        await seal_head(session, reporting.sealer)
    return past


async def archived(log: EventLog, reporting: Reporting) -> ArchiveRun:
    return await archive_log(log, reporting.sessions, reporting.sealer.public_key)


async def in_redis(redis: Redis, keys: Keys, subjects: list[uuid.UUID]) -> list[bool]:
    return [bool(await redis.hexists(keys.scoped("pii-keys"), str(s))) for s in subjects]


async def archived_keys(reporting: Reporting) -> dict[str, bytes]:
    async with reporting.engine.connect() as connection:
        rows = await connection.execute(text("SELECT dossier, wrapped FROM reporting_data_key"))
        return {dossier: bytes(wrapped) for dossier, wrapped in rows}


async def names(log: EventLog, dossiers: list[uuid.UUID]) -> list[str]:
    loaded = await log.load_many([f"dossier-{d}" for d in dossiers])
    return [
        next(e.data.name for e in events if isinstance(e.data, DocumentRegistered))
        for events in loaded
    ]


async def test_the_archive_run_moves_the_finished_dossiers_keys_and_their_data_reads_back(
    past: Past, redis: Redis, keys: Keys, reporting: Reporting, sealing_log: EventLog
) -> None:
    everyone = past.finished + past.unfinished
    names_before = await names(sealing_log, everyone)
    assert all(await in_redis(redis, keys, past.finished + past.letters))

    run = await archived(sealing_log, reporting)

    assert run.keys_moved == len(past.finished) + len(past.letters) == 6
    assert await in_redis(redis, keys, past.finished + past.letters) == [False] * 6
    assert await in_redis(redis, keys, past.unfinished) == [True, True]
    assert set(await archived_keys(reporting)) == {str(s) for s in past.finished + past.letters}
    assert await names(sealing_log, everyone) == names_before
    assert names_before[0] == "Warga Satu 0"
    redraft = await sealing_log.load(f"letter-{past.letters[1]}")
    fixes = [e.data.fix for e in redraft if isinstance(e.data, RejectionAddressed)]
    assert fixes == ["nomor surat diperbaiki"]
    # The newer steps of the last mile left Redis with the rest of their dossiers' history.
    assert await redis.exists(keys.stream(f"delivery-{past.finished[0]}")) == 0


async def test_the_replay_of_an_archived_log_reveals_what_live_did(
    past: Past, reporting: Reporting, sealing_log: EventLog, tmp_path
) -> None:
    run = await archived(sealing_log, reporting)
    assert run.keys_moved > 0

    rebuilt, found = await replayed(sealing_log, reporting, tmp_path)

    assert rebuilt == len(past.office.appended)
    assert found == []


async def test_erasing_an_archived_dossier_destroys_its_archived_key_and_verify_holds(
    past: Past,
    redis: Redis,
    keys: Keys,
    reporting: Reporting,
    sealing_log: EventLog,
    master_key: bytes,
) -> None:
    await archived(sealing_log, reporting)
    delivered = past.finished[0]

    erasure = await erase_personal_data(
        redis, keys, master_key, delivered, AUDITOR, archive=reporting.engine
    )

    assert erasure.key_destroyed
    assert (await archived_keys(reporting))[str(delivered)] == TOMBSTONE
    assert await names(sealing_log, [delivered, past.finished[1]]) == [ERASED, "Warga Satu 1"]
    assert await verdict(
        tiered_log(redis, keys, reporting), reporting.engine, reporting.sealer
    ) == (
        True,
        None,
    )


async def test_a_run_cut_off_between_copying_the_keys_and_taking_them_out_loses_nothing(
    past: Past, redis: Redis, keys: Keys, reporting: Reporting, sealing_log: EventLog
) -> None:
    names_before = await names(sealing_log, past.finished)
    sessions, public_key = reporting.sessions, reporting.sealer.public_key

    with pytest.raises(CutOff):
        await archive_log(sealing_log, sessions, public_key, step=cut_off_at("keys copied"))
    copied = await archived_keys(reporting)
    assert copied and all(await in_redis(redis, keys, [uuid.UUID(d) for d in copied]))
    assert await names(sealing_log, past.finished) == names_before

    again = await archive_log(sealing_log, sessions, public_key)

    assert again.batches == 1 and again.keys_moved == 6
    assert len(await archived_keys(reporting)) == 6
    assert await in_redis(redis, keys, past.finished + past.letters) == [False] * 6
    assert await names(sealing_log, past.finished) == names_before
    log = tiered_log(redis, keys, reporting)
    assert await verdict(log, reporting.engine, reporting.sealer) == (True, None)
    assert (await archive_log(sealing_log, sessions, public_key)).keys_moved == 0


async def test_an_archived_key_altered_or_swapped_in_the_database_is_refused_by_name(
    past: Past, redis: Redis, keys: Keys, reporting: Reporting, sealing_log: EventLog
) -> None:
    await archived(sealing_log, reporting)
    victim, other = (str(d) for d in past.finished[:2])
    async with reporting.engine.begin() as connection:  # another dossier's key put in its place
        await connection.execute(
            text(
                "UPDATE reporting_data_key SET wrapped = "
                "(SELECT wrapped FROM reporting_data_key WHERE dossier = :other) "
                "WHERE dossier = :victim"
            ),
            {"other": other, "victim": victim},
        )

    with pytest.raises(WrongMasterKey, match=victim):
        await names(sealing_log, [uuid.UUID(victim)])


class Manifest(BaseModel):
    letter_id: str


async def test_a_finished_handover_s_courier_feed_entry_leaves_redis_once_the_feed_read_it(
    past: Past, redis: Redis, keys: Keys, reporting: Reporting, sealing_log: EventLog
) -> None:
    feed = CourierFeed(redis, keys)
    letters = [str(past.handovers["finished"]), str(past.handovers["unfinished"])]
    entries = [await feed.publish(letter, Manifest(letter_id=letter)) for letter in letters]
    await redis.xgroup_create(keys.courier_feed, "pihak-ketiga", id="0")

    await archived(sealing_log, reporting)
    assert await feed_entries(redis, keys) == letters  # the third party has read neither
    await redis.xreadgroup("pihak-ketiga", "kurir", {keys.courier_feed: ">"})
    await redis.xack(keys.courier_feed, "pihak-ketiga", *entries)

    again = await archived(sealing_log, reporting)

    assert again.events == 0
    assert await feed_entries(redis, keys) == letters[1:]  # the one still out stays
    assert await feed.publish(letters[0], Manifest(letter_id=letters[0])) == entries[0]
    assert await feed_entries(redis, keys) == letters[1:]  # its mark keeps it published once


async def feed_entries(redis: Redis, keys: Keys) -> list[str]:
    return [fields[b"letter_id"].decode() for _, fields in await redis.xrange(keys.courier_feed)]


async def test_a_log_archived_before_belongings_were_taken_out_has_them_taken_out_once(
    past: Past, redis: Redis, keys: Keys, reporting: Reporting, sealing_log: EventLog
) -> None:
    await archived(sealing_log, reporting)
    # As an archive made before: every key still in Redis, the feed entry there, no marks.
    moved = await archived_keys(reporting)
    await redis.hset(keys.scoped("pii-keys"), mapping=moved)  # type: ignore[arg-type]
    async with reporting.engine.begin() as connection:
        await connection.execute(text("DELETE FROM reporting_data_key"))
    await redis.delete(keys.scoped("pii-keys:moved"), keys.scoped("archiving:belongings-caught-up"))
    letter = str(past.handovers["finished"])
    await CourierFeed(redis, keys).publish(letter, Manifest(letter_id=letter))
    names_before = await names(sealing_log, past.finished)

    run = await archived(sealing_log, reporting)

    assert (run.events, run.keys_moved) == (0, 6)
    assert await in_redis(redis, keys, past.finished + past.letters) == [False] * 6
    assert await archived_keys(reporting) == moved
    assert await feed_entries(redis, keys) == []
    assert await names(sealing_log, past.finished) == names_before
    assert (await archived(sealing_log, reporting)).keys_moved == 0
