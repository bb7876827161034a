import secrets

import pytest
from redis.asyncio import Redis

from shared.events import encode
from shared.keys import Keys
from shared.log import EventLog
from shared.privacy import ERASED, Privacy
from tests.factories import registered


@pytest.fixture
def privacy(redis: Redis, keys: Keys) -> Privacy:
    return Privacy(redis, keys, secrets.token_bytes(32))


async def test_personal_fields_are_stored_encrypted_and_read_back_in_clear(
    privacy: Privacy, event_log: EventLog, redis: Redis, keys: Keys
) -> None:
    event = registered(nik="1471014506900003", name="Rina Marlina")
    [stored] = await event_log.append(event.stream_id, await privacy.seal([event]), 0)
    raw = b"".join(fields[b"event"] for _, fields in await redis.xrange(keys.log))
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
