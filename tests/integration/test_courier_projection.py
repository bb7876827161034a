"""The courier's read model comes out the same whether the log's events arrive in order,
twice, or (after a crash) in the reverse order."""

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from services.courier.config import CourierSettings
from services.courier.consumers import projection
from services.courier.queries import handover_of, returns
from shared.context import ServiceContext, build_context
from shared.db import create_tables
from shared.events import (
    Actor,
    Delivered,
    Envelope,
    EventData,
    HandoverAccepted,
    Returned,
    ReturnReceived,
    new_event,
)
from shared.log import EventLog
from shared.vocabulary import Relationship, ReturnReason, Role
from tests.courier_factories import KASUBBAG, Handover

COURIER = Actor(officer_id="kurir-7", name="Andi Kurir", role=Role.COURIER)


@asynccontextmanager
async def projected(events: list[Envelope], data_dir: Path) -> AsyncIterator[ServiceContext]:
    context = build_context(CourierSettings(data_dir=data_dir))
    await create_tables(context.engine)
    handle = projection(context)
    for each in events:
        await handle(each)
    try:
        yield context
    finally:
        await context.redis.aclose()
        await context.engine.dispose()


async def a_whole_story(log: EventLog) -> Handover:
    """Two documents handed over: one delivered, one returned and received back."""
    handover = await Handover(documents=2).draft_and_sign(log)
    letter_id, (delivered, returned) = handover.letter_id, handover.dossier_ids
    steps: list[tuple[str, int, EventData, Actor]] = [
        (
            f"handover-{letter_id}",
            0,
            HandoverAccepted(
                letter_id=letter_id,
                recap_id=handover.recap_id,
                dossier_ids=tuple(handover.dossier_ids),
            ),
            COURIER,
        ),
        (
            f"delivery-{delivered}",
            0,
            Delivered(
                dossier_id=delivered,
                letter_id=letter_id,
                recipient_name="Ibu Rina",
                relationship=Relationship.FAMILY,
                note="",
            ),
            COURIER,
        ),
        (
            f"delivery-{returned}",
            0,
            Returned(
                dossier_id=returned,
                letter_id=letter_id,
                reason=ReturnReason.ADDRESS_NOT_FOUND,
                note="gang tidak ada",
            ),
            COURIER,
        ),
        (
            f"delivery-{returned}",
            1,
            ReturnReceived(dossier_id=returned, letter_id=letter_id),
            KASUBBAG,
        ),
    ]
    for stream, version, data, actor in steps:
        step = new_event(data, stream_id=stream, actor=actor, office="1471")
        await log.append(stream, [step], expected_version=version)
    return handover


async def views_of(
    context: ServiceContext, letter_id: uuid.UUID
) -> tuple[dict[str, Any], dict[str, Any]]:
    async with context.sessions() as session:
        handover = await handover_of(session, "1471", letter_id)
        returned = await returns(session, "1471", received=True, cursor=None, limit=10)
    return handover.model_dump(mode="json"), returned.model_dump(mode="json")


async def test_the_read_model_does_not_depend_on_the_order_or_repetition_of_events(
    service_env: dict[str, str], event_log: EventLog, tmp_path: Path
) -> None:
    handover = await a_whole_story(event_log)
    events = await event_log.read()
    async with projected(events, tmp_path / "in-order") as in_order:
        expected = await views_of(in_order, handover.letter_id)
    async with projected(events[::-1] + events, tmp_path / "reversed") as shuffled:
        assert await views_of(shuffled, handover.letter_id) == expected

    shown, received = expected
    assert shown["status"] == "ACCEPTED"
    assert [d["delivery_status"] for d in shown["documents"]] == ["DELIVERED", "RECEIVED_BACK"]
    assert [(r["reason"], r["received"]) for r in received["items"]] == [
        ("ADDRESS_NOT_FOUND", True)
    ]
