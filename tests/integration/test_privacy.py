import contextlib
import secrets
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

from shared.events import (
    Delivered,
    DocumentFlagged,
    DocumentRegistered,
    Envelope,
    FlagResolved,
    LetterRejected,
    Returned,
    encode,
    new_event,
    with_data_fields,
    with_fields,
)
from shared.keys import Keys
from shared.log import ConcurrencyConflict, EventLog, Write
from shared.privacy import ERASED, Privacy, WrongMasterKey, holds_sealed_data
from shared.vocabulary import FlagReason, Relationship, ReturnReason
from tests.factories import FO, flagged, registered


@pytest.fixture
def master() -> bytes:
    return secrets.token_bytes(32)


@pytest.fixture
def privacy(redis: Redis, keys: Keys, master: bytes) -> Privacy:
    return Privacy(redis, keys, master)


async def test_personal_fields_are_stored_encrypted_and_read_back_in_clear(
    privacy: Privacy, event_log: EventLog, redis: Redis, keys: Keys
) -> None:
    # A KTP-el's number is its holder's NIK: it is sealed like the NIK.
    nik = "1471014506900003"
    event = registered(nik=nik, name="Rina Marlina", document_number=nik)
    [stored] = await event_log.append(event.stream_id, await privacy.seal([event]), 0)
    raw = b"".join(b"".join(fields.values()) for _, fields in await redis.xrange(keys.log))
    for secret_text in (b"1471014506900003", b"Rina Marlina", b"Sudirman", b"81234567890"):
        assert secret_text not in raw
    revealed = await privacy.reveal(stored)
    assert revealed.data == event.data


async def test_after_erasure_the_data_reads_as_erased_but_the_log_is_unchanged(
    privacy: Privacy, event_log: EventLog
) -> None:
    event = registered()
    [stored] = await event_log.append(event.stream_id, await privacy.seal([event]), 0)
    before = encode((await event_log.read())[0])
    assert await privacy.erase(event.data.dossier_id)  # type: ignore[attr-defined]
    revealed = await privacy.reveal(stored)
    assert {revealed.data.nik, revealed.data.name, revealed.data.address, revealed.data.phone} == {  # type: ignore[attr-defined]
        ERASED
    }
    assert encode((await event_log.read())[0]) == before
    assert not await privacy.erase(event.data.dossier_id)  # type: ignore[attr-defined]


async def test_a_retried_append_of_a_sealed_event_stays_one_event(
    privacy: Privacy, event_log: EventLog
) -> None:
    event = registered()
    first = await event_log.append(event.stream_id, await privacy.seal([event]), 0)
    retry = await event_log.append(event.stream_id, await privacy.seal([event]), 0)
    assert retry == first
    assert len(await event_log.read()) == 1


async def test_a_ciphertext_moved_to_another_dossier_does_not_open(
    privacy: Privacy, event_log: EventLog
) -> None:
    a, b = registered(), registered()
    sealed_a, sealed_b = await privacy.seal([a, b])
    moved = sealed_b.data.model_copy(update={"nik": sealed_a.data.nik})  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="tampered"):
        await privacy.reveal(sealed_b.model_copy(update={"data": moved}))


async def test_without_the_master_key_the_key_store_is_useless(
    privacy: Privacy, redis: Redis, keys: Keys
) -> None:
    [sealed] = await privacy.seal([registered()])
    stranger = Privacy(redis, keys, secrets.token_bytes(32))
    with pytest.raises(Exception):  # noqa: B017  (AES-GCM refuses to unwrap: InvalidTag)
        await stranger.reveal(sealed)
    stored_keys = await redis.hgetall(keys.scoped("pii-keys"))
    assert all(b"Rina" not in value for value in stored_keys.values())


class CountingRedis(Redis):
    """A real client that also counts the commands it sends, one by one or pipelined."""

    sent: list[str]

    async def execute_command(self, *args: Any, **options: Any) -> Any:
        self.sent.append(str(args[0]))
        return await super().execute_command(*args, **options)

    def pipeline(self, transaction: bool = True, shard_hint: Any = None) -> Pipeline:
        return CountingPipeline(self.sent, self.connection_pool, self.response_callbacks,
                                transaction, shard_hint)  # fmt: skip


class CountingPipeline(Pipeline):
    def __init__(self, sent: list[str], *args: Any) -> None:
        super().__init__(*args)
        self.sent = sent

    async def execute(self, raise_on_error: bool = True) -> list[Any]:
        self.sent.extend(str(args[0]) for args, _ in self.command_stack)
        return await super().execute(raise_on_error)


def delivered_to(dossier_id: uuid.UUID, recipient: str) -> Envelope:
    return new_event(
        Delivered(
            dossier_id=dossier_id,
            letter_id=uuid.uuid4(),
            recipient_name=recipient,
            relationship=Relationship.SELF,
            note="",
        ),
        stream_id=f"delivery-{dossier_id}",
        actor=FO,
        office="1471",
    )


async def test_a_page_of_events_is_revealed_with_one_read_of_the_key_store(
    privacy: Privacy, master: bytes, redis_url: str, keys: Keys
) -> None:
    a, b = registered(name="Rina Marlina"), registered(name="Budi Santoso")
    a_id, b_id = a.data.dossier_id, b.data.dossier_id  # type: ignore[attr-defined]
    kept_clear = registered(name="Dewi Lestari")  # appended before encryption was on
    page = [
        *await privacy.seal([a, b, delivered_to(a_id, "Rina Marlina")]),
        kept_clear,
        flagged(a_id),
    ]
    assert await privacy.erase(b_id)
    counting = CountingRedis.from_url(redis_url)
    counting.sent = []
    try:
        revealed = await Privacy(counting, keys, master).reveal_all(page)
    finally:
        await counting.aclose()
    assert counting.sent == ["HMGET"]
    assert [event.event_id for event in revealed] == [event.event_id for event in page]
    assert revealed[0].data == a.data
    assert {revealed[1].data.nik, revealed[1].data.name} == {ERASED}  # type: ignore[attr-defined]
    assert revealed[2].data.recipient_name == "Rina Marlina"  # type: ignore[attr-defined]
    assert revealed[3] is kept_clear and revealed[4] is page[4]


async def test_revealing_only_some_fields_opens_those_and_leaves_the_rest_sealed(
    privacy: Privacy,
) -> None:
    kept, erased = registered(name="Rina Marlina"), registered(name="Budi Santoso")
    kept_id = kept.data.dossier_id  # type: ignore[attr-defined]
    page = await privacy.seal([kept, erased, delivered_to(kept_id, "Rina Marlina")])
    assert await privacy.erase(erased.data.dossier_id)  # type: ignore[attr-defined]
    revealed = await privacy.reveal_all(page, only={DocumentRegistered: ("nik", "name")})
    assert (revealed[0].data.nik, revealed[0].data.name) == (kept.data.nik, "Rina Marlina")  # type: ignore[attr-defined]
    assert revealed[0].data.address == page[0].data.address  # type: ignore[attr-defined]
    assert revealed[0].data.address.startswith("pii:v1:")  # type: ignore[attr-defined]
    assert (revealed[1].data.nik, revealed[1].data.name) == (ERASED, ERASED)  # type: ignore[attr-defined]
    assert revealed[1].data.phone == page[1].data.phone  # type: ignore[attr-defined]
    assert revealed[2] is page[2]  # a delivery's recipient was not asked for
    # all of it, when asked for all
    assert (await privacy.reveal_all(page[:1]))[0].data == kept.data


async def test_a_command_of_several_dossiers_is_sealed_with_one_key_each(
    privacy: Privacy, redis: Redis, keys: Keys
) -> None:
    a_id, b_id = uuid.uuid4(), uuid.uuid4()
    events = [registered(a_id), delivered_to(a_id, "Rina Marlina"), registered(b_id)]
    sealed = await privacy.seal(events)
    store = await redis.hgetall(keys.scoped("pii-keys"))
    assert set(store) == {str(a_id).encode(), str(b_id).encode()}
    assert all(event.data.name.startswith("pii:v1:") for event in (sealed[0], sealed[2]))  # type: ignore[attr-defined]
    assert sealed[1].data.recipient_name.startswith("pii:v1:")  # type: ignore[attr-defined]
    assert [event.data for event in await privacy.reveal_all(sealed)] == [e.data for e in events]


# --- the log given privacy: every append sealed, use cases read the clear data ------------


@pytest.fixture
def sealing_log(redis: Redis, keys: Keys, privacy: Privacy) -> EventLog:
    return EventLog(redis, keys, privacy)


CLEAR = (b"1471014506900003", b"Rina Marlina", b"Sudirman", b"81234567890")


async def stored_bytes(redis: Redis, keys: Keys) -> bytes:
    """Every entry of the log and of every aggregate stream, as Redis holds it."""
    raw = b""
    async for key in redis.scan_iter(match=f"{keys.prefix}jasa:*", count=1000):
        if await redis.type(key) == b"stream":
            raw += b"".join(b"".join(f.values()) for _, f in await redis.xrange(key))
    return raw


async def test_the_log_seals_what_use_cases_append_and_hands_it_back_in_clear(
    sealing_log: EventLog, redis: Redis, keys: Keys
) -> None:
    event = registered()
    [appended] = await sealing_log.append(event.stream_id, [event], 0)
    assert appended.data == event.data and appended.position is not None
    [loaded] = await sealing_log.load(event.stream_id)
    assert loaded.data == event.data
    assert (await sealing_log.find(event.event_id)).data == event.data  # type: ignore[union-attr]
    [as_stored] = await sealing_log.read()
    assert as_stored.data.nik.startswith("pii:v1:")  # type: ignore[attr-defined]
    raw = await stored_bytes(redis, keys)
    assert b"pii:v1:" in raw
    assert [text for text in CLEAR if text in raw] == []


@contextlib.asynccontextmanager
async def counted_log(
    redis_url: str, keys: Keys, master: bytes
) -> AsyncIterator[tuple[EventLog, list[str]]]:
    """A sealing log on a client that counts the commands it sends, from when the server
    has both scripts (the key store's step and the append): none is loaded while counting."""
    counting = CountingRedis.from_url(redis_url)
    counting.sent = []
    log = EventLog(counting, keys, Privacy(counting, keys, master))
    try:
        warm = delivered_to(uuid.uuid4(), "Budi Santoso")  # the key store's step, the append
        await log.append(warm.stream_id, [warm], 0)
        counting.sent.clear()
        yield log, counting.sent
    finally:
        await log.aclose()
        await counting.aclose()


async def test_a_command_on_several_streams_is_sealed_in_one_step_with_its_append(
    master: bytes, redis_url: str, keys: Keys
) -> None:
    a = registered()
    b = delivered_to(uuid.uuid4(), "Budi Santoso")
    async with counted_log(redis_url, keys, master) as (log, sent):
        appended = await log.append_all([Write(a.stream_id, 0, [a]), Write(b.stream_id, 0, [b])])
        assert sent == ["EVALSHA", "EVALSHA"]  # the keys, then the append
        assert [event.data for event in appended] == [a.data, b.data]
        stored = (await log.read())[1:]
        assert all(holds_sealed_data(event) for event in stored)
        assert [e.data for e in await log.reveal_all(stored)] == [a.data, b.data]


async def test_a_new_dossier_is_sealed_under_a_key_made_before_its_append(
    master: bytes, redis_url: str, keys: Keys, redis: Redis
) -> None:
    event = registered()
    async with counted_log(redis_url, keys, master) as (log, sent):
        [appended] = await log.append(event.stream_id, [event], 0)
        assert sent == ["EVALSHA", "EVALSHA"]  # the key store's step, then the append
    assert appended.data == event.data
    [stored] = await EventLog(redis, keys).load(event.stream_id)  # as the log holds it
    assert holds_sealed_data(stored)
    dossier = str(event.data.dossier_id)  # type: ignore[attr-defined]
    assert await redis.hexists(keys.scoped("pii-keys"), dossier)
    [loaded] = await EventLog(redis, keys, Privacy(redis, keys, master)).load(event.stream_id)
    assert loaded.data == event.data  # opened with the key the store kept


async def test_a_dossier_that_has_a_key_already_is_sealed_under_it(
    master: bytes, redis_url: str, keys: Keys, redis: Redis, privacy: Privacy
) -> None:
    event = registered()
    await privacy.seal([event])  # a key made before (a registration that lost its race)
    store, dossier = keys.scoped("pii-keys"), str(event.data.dossier_id)  # type: ignore[attr-defined]
    key_before = await redis.hget(store, dossier)
    async with counted_log(redis_url, keys, master) as (log, sent):
        [appended] = await log.append(event.stream_id, [event], 0)
        # The key store's step kept the key it had, and answered with it.
        assert sent == ["EVALSHA", "EVALSHA"]
    assert appended.data == event.data
    assert await redis.hget(store, dossier) == key_before
    assert [e.type for e in await EventLog(redis, keys).load(event.stream_id)] == [event.type]
    [loaded] = await EventLog(redis, keys, privacy).load(event.stream_id)
    assert loaded.data == event.data


async def test_an_erased_dossier_registered_anew_seals_nothing_readable_and_gets_no_key(
    sealing_log: EventLog, privacy: Privacy, redis: Redis, keys: Keys
) -> None:
    dossier_id = uuid.uuid4()
    await privacy.erase(dossier_id)
    await sealing_log.append(f"dossier-{dossier_id}", [registered(dossier_id)], 0)
    [loaded] = await sealing_log.load(f"dossier-{dossier_id}")
    assert loaded.data.name == ERASED  # type: ignore[attr-defined]
    assert await privacy.is_erased(dossier_id)
    assert b"Rina Marlina" not in await stored_bytes(redis, keys)


async def test_a_registration_refused_for_its_version_stores_none_of_its_personal_data(
    sealing_log: EventLog, redis: Redis, keys: Keys
) -> None:
    dossier_id = uuid.uuid4()
    stream = f"dossier-{dossier_id}"
    await sealing_log.append(stream, [flagged(dossier_id)], 0)  # only its note is sealed
    with pytest.raises(ConcurrencyConflict):
        await sealing_log.append(stream, [registered(dossier_id)], 0)
    assert [event.type for event in await sealing_log.load(stream)] == ["DocumentFlagged"]
    raw = await stored_bytes(redis, keys)
    assert b'"nik"' not in raw and [text for text in CLEAR if text in raw] == []
    # registered again at the right version, it is sealed and reads back in clear
    [appended] = await sealing_log.append(stream, [registered(dossier_id)], 1)
    [_, loaded] = await sealing_log.load(stream)
    assert loaded.data == appended.data


async def test_a_retried_append_through_the_sealing_log_returns_the_first_answer(
    sealing_log: EventLog,
) -> None:
    event = registered()
    first = await sealing_log.append(event.stream_id, [event], 0)
    retry = await sealing_log.append(event.stream_id, [event], 0)
    assert [e.data for e in retry] == [e.data for e in first] == [event.data]
    assert [e.position for e in retry] == [e.position for e in first]
    assert len(await sealing_log.read()) == 1


async def test_after_erasure_a_retried_append_seals_nothing_readable_and_makes_no_new_key(
    sealing_log: EventLog, privacy: Privacy, redis: Redis, keys: Keys
) -> None:
    event = registered()
    await sealing_log.append(event.stream_id, [event], 0)
    assert await privacy.erase(event.data.dossier_id)  # type: ignore[attr-defined]
    [retry] = await sealing_log.append(event.stream_id, [event], 0)
    assert retry.data.name == ERASED  # type: ignore[attr-defined]
    assert await privacy.is_erased(event.data.dossier_id)  # type: ignore[attr-defined]
    [sealed_again] = await privacy.seal([registered(event.data.dossier_id)])  # type: ignore[attr-defined]
    assert sealed_again.data.nik == ERASED  # type: ignore[attr-defined]
    assert await privacy.is_erased(event.data.dossier_id)  # type: ignore[attr-defined]


async def test_the_name_of_whoever_received_the_document_is_sealed_under_the_dossier_key(
    sealing_log: EventLog, privacy: Privacy, redis: Redis, keys: Keys
) -> None:
    dossier_id = uuid.uuid4()
    delivered = new_event(
        Delivered(
            dossier_id=dossier_id,
            letter_id=uuid.uuid4(),
            recipient_name="Rina Marlina",
            relationship=Relationship.SELF,
            note="diterima langsung",
        ),
        stream_id=f"delivery-{dossier_id}",
        actor=FO,
        office="1471",
    )
    await sealing_log.append(delivered.stream_id, [delivered], 0)
    assert b"Rina Marlina" not in await stored_bytes(redis, keys)
    [loaded] = await sealing_log.load(delivered.stream_id)
    assert loaded.data.recipient_name == "Rina Marlina"  # type: ignore[attr-defined]
    await privacy.erase(dossier_id)
    [loaded] = await sealing_log.load(delivered.stream_id)
    assert loaded.data.recipient_name == ERASED  # type: ignore[attr-defined]
    assert loaded.data.note == ERASED  # type: ignore[attr-defined]


async def test_free_text_notes_are_sealed_and_erased_with_their_dossier(
    sealing_log: EventLog, privacy: Privacy, redis: Redis, keys: Keys
) -> None:
    # An officer writes what they must: "Ibu Rina Marlina belum tanda tangan".
    note = "Ibu Rina Marlina belum tanda tangan, NIK 1471014506900003"
    dossier_id, letter_id = uuid.uuid4(), uuid.uuid4()
    events = [
        DocumentFlagged(dossier_id=dossier_id, reason=FlagReason.OTHER, note=note),
        FlagResolved(dossier_id=dossier_id, note=note),
        Returned(dossier_id=dossier_id, letter_id=letter_id, reason=ReturnReason.OTHER, note=note),
        LetterRejected(letter_id=letter_id, recap_id=uuid.uuid4(), reason=note),
    ]
    for n, data in enumerate(events):
        stream = f"s-{n}-{uuid.uuid4()}"
        await sealing_log.append(
            stream, [new_event(data, stream_id=stream, actor=FO, office="1471")], 0
        )
    raw = await stored_bytes(redis, keys)
    assert b"Rina Marlina" not in raw and b"1471014506900003" not in raw
    assert [
        e.data for e in await sealing_log.reveal_all(await sealing_log.read(limit=10))
    ] == events

    await privacy.erase(dossier_id)
    opened = [e.data for e in await sealing_log.reveal_all(await sealing_log.read(limit=10))]
    assert [getattr(data, "note", None) for data in opened[:3]] == [ERASED] * 3
    assert opened[3] == events[3]  # a letter's words are the letter's, not one citizen's


async def test_an_event_sealed_before_document_numbers_were_reads_its_number_as_stored(
    event_log: EventLog, sealing_log: EventLog, privacy: Privacy
) -> None:
    event = registered(document_number="KTP-OLD-1")
    [sealed] = await privacy.seal([event])
    older = with_fields(sealed, data=with_data_fields(sealed.data, document_number="KTP-OLD-1"))
    await event_log.append(event.stream_id, [older], 0)
    [loaded] = await sealing_log.load(event.stream_id)
    assert loaded.data == event.data
    await privacy.erase(event.data.dossier_id)  # type: ignore[attr-defined]
    [erased] = await sealing_log.load(event.stream_id)
    assert erased.data.document_number == ERASED  # type: ignore[attr-defined]


async def test_events_appended_before_encryption_read_as_they_were(
    event_log: EventLog, sealing_log: EventLog
) -> None:
    event = registered()
    await event_log.append(event.stream_id, [event], 0)
    [loaded] = await sealing_log.load(event.stream_id)
    assert loaded.data == event.data


async def test_a_data_key_that_does_not_unwrap_names_the_master_key(
    privacy: Privacy, redis: Redis, keys: Keys
) -> None:
    [sealed] = await privacy.seal([registered()])
    with pytest.raises(WrongMasterKey, match="JASA_PII_KEY"):
        await Privacy(redis, keys, secrets.token_bytes(32)).reveal(sealed)


async def test_many_aggregates_load_at_once_on_one_connection_with_one_read_of_the_key_store(
    master: bytes, redis_url: str, keys: Keys
) -> None:
    writer_redis = Redis.from_url(redis_url)
    writer = EventLog(writer_redis, keys, Privacy(writer_redis, keys, master))
    dossiers = [registered(name=f"Pemohon {n}") for n in range(30)]
    for event in dossiers:
        await writer.append(event.stream_id, [event], expected_version=0)
    first_id = dossiers[0].data.dossier_id  # type: ignore[attr-defined]
    await writer.append(dossiers[0].stream_id, [flagged(first_id)], expected_version=1)
    streams = [*(event.stream_id for event in reversed(dossiers)), "dossier-never-registered"]
    one_by_one = [await writer.load(stream) for stream in streams]
    await writer_redis.aclose()

    # A pool of one connection: a read per aggregate in flight at once would be refused.
    counting = CountingRedis.from_url(redis_url, max_connections=1)
    counting.sent = []
    try:
        loaded = await EventLog(counting, keys, Privacy(counting, keys, master)).load_many(streams)
    finally:
        await counting.aclose()
    assert loaded == one_by_one
    assert [len(events) for events in loaded] == [1] * 29 + [2, 0]
    assert loaded[0][0].data.name == "Pemohon 29"  # type: ignore[attr-defined]
    # The streams went in one pipeline (one XRANGE each), the keys in one read.
    assert counting.sent == ["XRANGE"] * len(streams) + ["HMGET"]
