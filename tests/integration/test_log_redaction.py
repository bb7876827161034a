"""What a service logs, once its log redaction is installed: no NIK, phone number, token or
secret, whoever logs it (our consumer, uvicorn's access log, a traceback, SQLAlchemy)."""

import logging

import pytest
import sqlalchemy as sa
from faststream.redis import RedisBroker
from redis.asyncio import Redis

from shared.consumer import ConsumerOptions, EventConsumer
from shared.db import make_engine
from shared.events import Envelope
from shared.identity import issue_token
from shared.keys import Keys
from shared.log import EventLog
from shared.redaction import install_log_redaction, redact
from shared.vocabulary import Role
from tests import factories
from tests.polling import wait_until

NIK = "1471014506900003"
PHONES = ("+6281234567890", "6281234567890", "081234567890", "0812-3456-7890", "0812 3456 7890")
SECRET = "a-long-installation-secret-of-the-test-0123456789"
TOKEN = issue_token(SECRET, role=Role.FO, officer_id="fo-1", name="Siti", office="1471")


def leaks(text: str) -> list[str]:
    values = [NIK, SECRET, TOKEN, TOKEN.split(".")[1], *PHONES]
    return [value for value in values if value in text]


@pytest.fixture(autouse=True)
def redaction() -> None:
    install_log_redaction([SECRET])


def test_redact_masks_the_nik_and_replaces_phones_tokens_and_secrets() -> None:
    text = f"nik={NIK} hp={' / '.join(PHONES)} auth=Bearer {TOKEN} key={SECRET}"
    cleaned = redact(text)
    assert leaks(cleaned) == []
    assert "147101******0003" in cleaned and cleaned.count("[phone]") == len(PHONES)


def test_redact_leaves_ids_positions_and_times_alone() -> None:
    text = (
        "event 1764000000000-0 of dossier-9e0e2907-8c12-41e9-91bc-4f4e9e0cd047 at 2026-08-12 08:00"
    )
    assert redact(text) == text


def test_an_access_line_shows_the_path_without_its_query(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="uvicorn.access")
    logging.getLogger("uvicorn.access").info(
        '%s - "%s %s HTTP/%s" %d',
        "127.0.0.1:5000",
        "GET",
        f"/control-cards/{NIK}?nik={NIK}&token={TOKEN}",
        "1.1",
        200,
    )
    [record] = caplog.records
    assert record.args == ("127.0.0.1:5000", "GET", "/control-cards/147101******0003", "1.1", 200)
    assert leaks(caplog.text) == []


def test_a_traceback_in_a_log_line_is_cleaned(caplog: pytest.LogCaptureFixture) -> None:
    try:
        raise ValueError(f"cannot register {NIK} with {PHONES[0]} for Bearer {TOKEN}")
    except ValueError:
        logging.getLogger("jasa.test").exception("registration failed: %s", PHONES[2])
    assert "ValueError: cannot register 147101******0003" in caplog.text
    assert leaks(caplog.text) == []


async def test_an_event_a_projection_cannot_apply_is_logged_without_its_personal_data(
    redis_url: str, redis: Redis, keys: Keys, event_log: EventLog, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="jasa.consumer")
    event = factories.registered(phone=PHONES[0])
    await event_log.append(event.stream_id, [event], expected_version=0)

    async def fails_with_the_event_in_its_message(envelope: Envelope) -> None:
        raise RuntimeError(f"cannot apply {envelope!r}")

    consumer = EventConsumer(
        RedisBroker(redis_url),
        redis,
        keys,
        ConsumerOptions(group="leaky", consumer="c-1", claim_idle_ms=200, max_deliveries=2),
        fails_with_the_event_in_its_message,
    )
    await consumer.start()
    try:
        await wait_until(lambda: _dead_lettered(redis, keys))
    finally:
        await consumer.stop()
    assert "failed on delivery 1" in caplog.text and "dead-lettered" in caplog.text
    assert "147101******0003" in caplog.text, "the record still says which file it was"
    assert leaks(caplog.text) == [], caplog.text


async def _dead_lettered(redis: Redis, keys: Keys) -> bool:
    return bool(await redis.xlen(keys.dead_letters("leaky")))


async def test_a_database_error_names_the_statement_but_not_the_values(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    table = sa.Table("person", sa.MetaData(), sa.Column("nik", sa.String, unique=True))
    async with engine.begin() as connection:
        await connection.run_sync(table.metadata.create_all)
        await connection.execute(table.insert().values(nik=NIK))
    with pytest.raises(sa.exc.IntegrityError) as raised:
        async with engine.begin() as connection:
            await connection.execute(table.insert().values(nik=NIK))
    await engine.dispose()
    assert "INSERT INTO person" in str(raised.value)
    assert NIK not in str(raised.value)
