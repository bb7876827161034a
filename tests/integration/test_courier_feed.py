"""The courier feed: one entry per signed letter, however often or in whatever order the
projection sees the events, and never a NIK in it."""

from collections.abc import AsyncIterator
from pathlib import Path

import orjson
import pytest
from redis.asyncio import Redis

from services.courier.config import CourierSettings
from services.courier.consumers import projection
from services.courier.main import create_app
from shared.consumer import Handler
from shared.context import build_context
from shared.db import create_tables
from shared.keys import Keys
from shared.log import EventLog
from tests.conftest import running, token_for
from tests.courier_factories import NIKS, Handover
from tests.integration.courier_support import eventually

COURIER = token_for("COURIER")


@pytest.fixture
async def fresh_projection(service_env: dict[str, str], tmp_path: Path) -> AsyncIterator[Handler]:
    """The courier projection over a database of its own: as if its SQL state were lost."""
    context = build_context(CourierSettings(data_dir=tmp_path / "fresh"))
    await create_tables(context.engine)
    yield projection(context)
    await context.redis.aclose()
    await context.engine.dispose()


async def feed_entries(redis: Redis, keys: Keys) -> list[dict[bytes, bytes]]:
    return [fields for _, fields in await redis.xrange(keys.courier_feed)]


async def test_each_signed_letter_is_on_the_feed_once_even_when_handled_again(
    service_env: dict[str, str],
    event_log: EventLog,
    redis: Redis,
    keys: Keys,
    fresh_projection: Handler,
) -> None:
    app = create_app()
    async with running(app) as client:
        first = await Handover(documents=2).draft_and_sign(event_log)
        second = await Handover(documents=1).draft_and_sign(event_log)
        entries = await eventually(
            lambda: feed_entries(redis, keys), lambda e: len(e) == 2, "two feed entries"
        )
        assert [e[b"letter_id"].decode() for e in entries] == [
            str(first.letter_id),
            str(second.letter_id),
        ]
        shown = (await client.get(f"/handovers/{first.letter_id}", headers=COURIER)).json()
        assert orjson.loads(entries[0][b"__data__"]) == shown
        assert {d["document_number"] for d in shown["documents"]} <= {
            "************0003",
            "************0001",
            "************0002",
        }
        assert shown["status"] == "READY" and len(shown["documents"]) == 2

        signed = [e for e in await event_log.read() if e.type == "LetterSigned"]
        same_projection = projection(app.state.context)
        for event in signed * 2:
            await same_projection(event)
    for event in await event_log.read():  # a projection that forgot everything it applied
        await fresh_projection(event)

    entries = await feed_entries(redis, keys)
    assert len(entries) == 2
    raw = b"".join(value for entry in entries for value in entry.values())
    assert not any(nik.encode() in raw for nik in NIKS)
    assert b"nik" not in raw.lower()


async def test_a_handover_reaches_the_feed_once_its_manifest_is_complete_in_any_order(
    event_log: EventLog, redis: Redis, keys: Keys, fresh_projection: Handler
) -> None:
    handover = await Handover(documents=2).draft_and_sign(event_log)
    events = await event_log.read()
    signed = next(e for e in events if e.type == "LetterSigned")
    rest = [e for e in events if e is not signed]

    await fresh_projection(signed)  # redelivered first after a crash
    assert await feed_entries(redis, keys) == []
    for event in rest:
        await fresh_projection(event)

    (entry,) = await feed_entries(redis, keys)
    manifest = orjson.loads(entry[b"__data__"])
    assert manifest["letter_id"] == str(handover.letter_id)
    assert [d["dossier_id"] for d in manifest["documents"]] == [
        str(d) for d in handover.dossier_ids
    ]
    assert {d["delivery_status"] for d in manifest["documents"]} == {"LETTER_SIGNED"}


async def test_a_letter_that_is_only_drafted_is_not_on_the_feed(
    event_log: EventLog, redis: Redis, keys: Keys, fresh_projection: Handler
) -> None:
    await Handover().draft(event_log)
    for event in await event_log.read():
        await fresh_projection(event)
    assert await feed_entries(redis, keys) == []
