"""The archive keeps the log in order under a signed hash chain, and `jasa audit verify`
names what someone with access to the Redis server changed, removed, inserted or swapped."""

import asyncio
import hashlib
import uuid

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from redis.asyncio import Redis
from sqlalchemy import text
from sqlmodel import col, select

from services.reporting.archive import ArchivedEvent, Checkpoint, seal_head
from services.reporting.sealing import parse_public_key, public_key_text, signature_holds
from shared.events import DocumentRegistered, encode, encode_for_log, new_event
from shared.keys import Keys
from tests.integration.reporting.conftest import Reporting, run_jasa
from tests.sop_history import FO, Office


async def a_day_at_the_office(office: Office) -> None:
    """Eleven events: registrations, a flag, a recap, a letter rejected and redrafted, ..."""
    first, second = await office.register(), await office.register()
    await office.flag(second)
    await office.resolve(second)
    recap = await office.recap([first, second])
    rejected = await office.draft(recap)
    await office.reject(rejected)
    letter = await office.draft(recap)
    await office.sign(letter)
    await office.accept(letter)
    await office.deliver(first, letter)


async def archived(reporting: Reporting) -> list[ArchivedEvent]:
    async with reporting.sessions() as session:
        query = select(ArchivedEvent).order_by(col(ArchivedEvent.seq))
        return list((await session.exec(query)).all())


async def log_entries(redis: Redis, keys: Keys) -> list[tuple[bytes, dict[bytes, bytes]]]:
    return list(await redis.xrange(keys.log))


async def rewrite(
    redis: Redis, keys: Keys, entries: list[tuple[bytes, dict[bytes, bytes]]]
) -> None:
    """What an intruder on the Redis server does: the stream written again, ids chosen."""
    await redis.delete(keys.log)
    for entry_id, fields in entries:
        await redis.xadd(keys.log, fields, id=entry_id)


async def test_every_event_is_archived_in_log_order_under_a_sha256_chain(
    reporting: Reporting, office: Office
) -> None:
    await a_day_at_the_office(office)
    await reporting.handle_all(office)
    rows = await archived(reporting)
    assert [row.position for row in rows] == [event.position for event in office.appended]
    previous = bytes(32)
    for row, event in zip(rows, office.appended, strict=True):
        assert row.body.encode() == encode(event)
        previous = hashlib.sha256(previous + encode(event)).digest()
        assert row.chain_hash == previous.hex()


async def test_entries_that_are_not_events_are_left_out_and_do_not_stop_the_archive(
    reporting: Reporting, office: Office, redis: Redis, keys: Keys
) -> None:
    # The consumer dead-letters such entries; the archivist, reading the log from its head
    # up to the next event, used to fail on them for ever after.
    before = await office.register()
    garbled = await redis.xadd(keys.log, {"type": "DocumentRegistered", "event": b"\xff{"})
    unknown = await redis.xadd(keys.log, {"type": "Teleported", "event": b'{"type": "Teleported"}'})
    await office.flag(before)
    await reporting.handle_all(office)
    rows = await archived(reporting)
    assert [row.position for row in rows] == [event.position for event in office.appended]
    assert {garbled.decode(), unknown.decode()}.isdisjoint(row.position for row in rows)
    verdict = await run_jasa("audit", "verify")
    assert verdict.exit_code == 1
    assert f"NOT INTACT at position {garbled.decode()}" in verdict.output
    replayed = await run_jasa("audit", "replay")
    assert replayed.exit_code == 0, replayed.output
    assert "the live projections equal the replay" in replayed.output


async def test_events_delivered_late_out_of_order_and_twice_are_archived_once_in_order(
    reporting: Reporting, office: Office
) -> None:
    await a_day_at_the_office(office)
    events = office.appended
    await reporting.archivist(events[6])  # after a crash, a later event comes first
    for event in [events[2], *events, events[0], events[6], events[-1]]:
        await reporting.archivist(event)
    rows = await archived(reporting)
    assert [row.position for row in rows] == [event.position for event in events]


async def test_the_chain_is_sealed_every_n_events_and_at_shutdown_with_the_printed_key(
    reporting: Reporting, office: Office
) -> None:
    await a_day_at_the_office(office)
    await reporting.handle_all(office)
    async with reporting.sessions() as session:
        assert await seal_head(session, reporting.sealer) is not None
        checkpoints = list((await session.exec(select(Checkpoint))).all())
    assert sorted(c.count for c in checkpoints) == [4, 8, 11]
    printed = await run_jasa("audit", "pubkey")
    assert printed.exit_code == 0, printed.output
    public_key = parse_public_key(printed.output)
    rows = await archived(reporting)
    for checkpoint in checkpoints:
        assert checkpoint.chain_hash == rows[checkpoint.count - 1].chain_hash
        assert signature_holds(
            public_key,
            "1471",
            checkpoint.position,
            checkpoint.count,
            checkpoint.chain_hash,
            checkpoint.signature,
        )


async def test_an_intact_log_verifies_with_exit_0(reporting: Reporting, office: Office) -> None:
    await a_day_at_the_office(office)
    await reporting.handle_all(office)
    await office.register()  # appended, not yet archived: not a fault
    result = await run_jasa("audit", "verify")
    assert result.exit_code == 0, result.output
    assert "intact: 11 events" in result.output
    assert "1 newer events not yet archived" in result.output


async def verdict(*options: str) -> tuple[int, dict[str, object]]:
    result = await run_jasa("audit", "verify", "--json", *options)
    return result.exit_code, orjson.loads(result.output)


async def test_a_field_altered_in_the_log_is_named_changed_at_its_position(
    reporting: Reporting, office: Office, redis: Redis, keys: Keys
) -> None:
    await a_day_at_the_office(office)
    await reporting.handle_all(office)
    entries = await log_entries(redis, keys)
    entry_id, fields = entries[5]
    event = orjson.loads(fields[b"event"])
    event["data"]["reason"] = "tidak ada masalah"  # the Sekretaris' rejection, reworded
    entries[5] = (entry_id, {**fields, b"event": orjson.dumps(event)})
    await rewrite(redis, keys, entries)
    code, found = await verdict()
    assert code == 1
    assert found["first_bad_position"] == entry_id.decode()
    assert found["kind"] == "changed"
    assert found["events_checked"] == 5


async def tampered_at(
    redis: Redis, keys: Keys, index: int, fields: dict[bytes, bytes]
) -> tuple[str, dict[bytes, bytes]]:
    """The log written again with the entry at `index` holding `fields` (given its own)."""
    entries = await log_entries(redis, keys)
    entry_id, own = entries[index]
    entries[index] = (entry_id, fields or own)
    await rewrite(redis, keys, entries)
    return entry_id.decode(), own


async def test_an_entry_whose_type_was_altered_with_its_event_intact_is_named_changed(
    reporting: Reporting, office: Office, redis: Redis, keys: Keys
) -> None:
    await a_day_at_the_office(office)
    await reporting.handle_all(office)
    entry_id, fields = (await log_entries(redis, keys))[6]
    assert fields[b"type"] == b"LetterRejected"  # made to read as signed
    await tampered_at(redis, keys, 6, {b"type": b"LetterSigned", b"event": fields[b"event"]})
    code, found = await verdict()
    assert (code, found["first_bad_position"], found["kind"]) == (1, entry_id.decode(), "changed")
    assert found["events_checked"] == 6
    assert "'LetterSigned'" in found["problem"] and "LetterRejected" in found["problem"]


async def test_an_entry_that_lost_its_type_field_is_named_changed(
    reporting: Reporting, office: Office, redis: Redis, keys: Keys
) -> None:
    await a_day_at_the_office(office)
    await reporting.handle_all(office)
    entry_id, fields = (await log_entries(redis, keys))[3]
    await tampered_at(redis, keys, 3, {b"event": fields[b"event"]})
    code, found = await verdict()
    assert (code, found["first_bad_position"], found["kind"]) == (1, entry_id.decode(), "changed")
    assert "lost its `type` field" in found["problem"]


async def test_an_entry_with_a_field_the_log_never_writes_is_named_changed(
    reporting: Reporting, office: Office, redis: Redis, keys: Keys
) -> None:
    await a_day_at_the_office(office)
    await reporting.handle_all(office)
    entry_id, fields = (await log_entries(redis, keys))[8]
    await tampered_at(redis, keys, 8, {**fields, b"approved_by": b"someone else"})
    code, found = await verdict()
    assert (code, found["first_bad_position"], found["kind"]) == (1, entry_id.decode(), "changed")
    assert "'approved_by'" in found["problem"]


async def test_an_entry_with_its_fields_in_another_order_is_named_changed(
    reporting: Reporting, office: Office, redis: Redis, keys: Keys
) -> None:
    await a_day_at_the_office(office)
    await reporting.handle_all(office)
    entry_id, fields = (await log_entries(redis, keys))[2]
    await tampered_at(redis, keys, 2, {b"event": fields[b"event"], b"type": fields[b"type"]})
    code, found = await verdict()
    assert (code, found["first_bad_position"], found["kind"]) == (1, entry_id.decode(), "changed")


async def test_an_event_written_again_in_other_bytes_of_the_same_meaning_is_named_changed(
    reporting: Reporting, office: Office, redis: Redis, keys: Keys
) -> None:
    await a_day_at_the_office(office)
    await reporting.handle_all(office)
    entry_id, fields = (await log_entries(redis, keys))[1]
    spaced = orjson.dumps(orjson.loads(fields[b"event"]), option=orjson.OPT_INDENT_2)
    await tampered_at(redis, keys, 1, {b"type": fields[b"type"], b"event": spaced})
    code, found = await verdict()
    assert (code, found["first_bad_position"], found["kind"]) == (1, entry_id.decode(), "changed")
    assert "other bytes" in found["problem"]


async def test_an_event_deleted_from_the_log_is_named_removed(
    reporting: Reporting, office: Office, redis: Redis, keys: Keys
) -> None:
    await a_day_at_the_office(office)
    await reporting.handle_all(office)
    victim = office.appended[3].position
    assert victim is not None
    await redis.xdel(keys.log, victim)
    code, found = await verdict()
    assert (code, found["first_bad_position"], found["kind"]) == (1, victim, "removed")


async def test_a_forged_event_slipped_between_two_is_named_inserted(
    reporting: Reporting, office: Office, redis: Redis, keys: Keys
) -> None:
    first = await office.register()
    await asyncio.sleep(0.005)  # so that the next id leaves room for one in between
    await office.flag(first)
    await reporting.handle_all(office)
    before = office.appended[0].position
    assert before is not None
    forged_id = f"{before.split('-')[0]}-{int(before.split('-')[1]) + 1}"
    forged = new_event(
        DocumentRegistered(
            dossier_id=uuid.uuid4(),
            nik="1471010101900001",
            name="Penyusup",
            address="Jl. Palsu 1",
            phone="+6281200000000",
            document_type="KK",
            document_number="KK-FORGED",
        ),
        stream_id="dossier-forged",
        actor=FO,
        office="1471",
    ).model_copy(update={"version": 1})
    entries = await log_entries(redis, keys)
    forged_entry = (
        forged_id.encode(),
        {b"type": b"DocumentRegistered", b"event": encode_for_log(forged)},
    )
    await rewrite(redis, keys, [entries[0], forged_entry, *entries[1:]])
    code, found = await verdict()
    assert (code, found["first_bad_position"], found["kind"]) == (1, forged_id, "inserted")
    # The running service, handed the forged event, does not take it into the archive.
    [inserted] = [e for e in await office.log.read() if e.position == forged_id]
    await reporting.archivist(inserted)
    assert forged_id not in [row.position for row in await archived(reporting)]


async def test_two_events_whose_contents_were_swapped_are_named_reordered(
    reporting: Reporting, office: Office, redis: Redis, keys: Keys
) -> None:
    await a_day_at_the_office(office)
    await reporting.handle_all(office)
    entries = await log_entries(redis, keys)
    (id_a, fields_a), (id_b, fields_b) = entries[2], entries[7]
    entries[2], entries[7] = (id_a, fields_b), (id_b, fields_a)
    await rewrite(redis, keys, entries)
    code, found = await verdict()
    assert (code, found["first_bad_position"], found["kind"]) == (1, id_a.decode(), "reordered")


async def test_a_checkpoint_with_a_forged_signature_is_detected(
    reporting: Reporting, office: Office
) -> None:
    await a_day_at_the_office(office)
    await reporting.handle_all(office)
    async with reporting.engine.begin() as connection:
        forged = "A" * 86 + "=="  # 64 bytes of base64, not a signature of this key
        await connection.execute(
            text("UPDATE reporting_checkpoint SET signature = :s WHERE count = 8"), {"s": forged}
        )
    code, found = await verdict()
    assert (code, found["first_bad_position"], found["kind"]) == (
        1,
        office.appended[7].position,
        "checkpoint_forged",
    )


async def test_checkpoints_signed_by_another_key_fail_against_the_auditors_key(
    reporting: Reporting, office: Office
) -> None:
    await a_day_at_the_office(office)
    await reporting.handle_all(office)
    other = public_key_text(Ed25519PrivateKey.generate().public_key())
    code, found = await verdict("--public-key", other)
    assert (code, found["kind"]) == (1, "checkpoint_forged")


async def test_an_archive_row_modified_in_the_database_is_detected(
    reporting: Reporting, office: Office
) -> None:
    await a_day_at_the_office(office)
    await reporting.handle_all(office)
    async with reporting.engine.begin() as connection:
        await connection.execute(
            text("UPDATE reporting_archive SET body = replace(body, 'Rina', 'Rino') WHERE seq = 2")
        )
    code, found = await verdict()
    assert (code, found["first_bad_position"], found["kind"]) == (
        1,
        office.appended[1].position,
        "archive_modified",
    )


async def test_log_and_archive_rewritten_together_with_fresh_hashes_fail_the_checkpoint(
    reporting: Reporting, office: Office, redis: Redis, keys: Keys
) -> None:
    await a_day_at_the_office(office)
    await reporting.handle_all(office)
    entries = await log_entries(redis, keys)
    entry_id, fields = entries[1]
    entries[1] = (entry_id, {**fields, b"event": fields[b"event"].replace(b"Rina", b"Rino")})
    await rewrite(redis, keys, entries)
    rows = await archived(reporting)
    previous = bytes(32)
    async with reporting.engine.begin() as connection:
        for row in rows:
            body = row.body.replace("Rina", "Rino") if row.seq == 2 else row.body
            previous = hashlib.sha256(previous + body.encode()).digest()
            await connection.execute(
                text("UPDATE reporting_archive SET body = :b, chain_hash = :h WHERE seq = :s"),
                {"b": body, "h": previous.hex(), "s": row.seq},
            )
    code, found = await verdict()
    assert (code, found["kind"]) == (1, "checkpoint_mismatch")
    assert found["first_bad_position"] == office.appended[3].position


async def test_a_checkpoint_removed_from_the_database_is_missed(
    reporting: Reporting, office: Office
) -> None:
    await a_day_at_the_office(office)
    await reporting.handle_all(office)
    async with reporting.engine.begin() as connection:
        await connection.execute(text("DELETE FROM reporting_checkpoint"))
    code, found = await verdict()
    assert (code, found["first_bad_position"], found["kind"]) == (
        1,
        office.appended[7].position,
        "checkpoint_missing",
    )
