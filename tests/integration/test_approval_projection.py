"""Approval's read model applies each event once, whatever order redelivery brings them in."""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from services.approval.config import ApprovalSettings
from services.approval.consumers import projection
from services.approval.projections import ApprovalLetter
from shared.context import ServiceContext, build_context
from shared.db import create_tables
from shared.events import Actor, Envelope, EventData, LetterDrafted, LetterSigned, new_event
from shared.log import EventLog
from shared.vocabulary import Role
from tests.approval_support import KASUBBAG, SEKRETARIS

T0 = datetime(2026, 5, 4, 1, 0, tzinfo=UTC)


@pytest.fixture
async def context(service_env: dict[str, str]) -> AsyncIterator[ServiceContext]:
    context = build_context(ApprovalSettings())
    await create_tables(context.engine)
    yield context
    await context.redis.aclose()
    await context.engine.dispose()


def at(position: str, data: EventData, who: dict[str, str], minutes: int) -> Envelope:
    actor = Actor(officer_id=who["officer_id"], name=who["name"], role=Role(who["role"]))
    event = new_event(
        data, stream_id="s", actor=actor, office="1471", occurred_at=T0 + timedelta(minutes=minutes)
    )
    return event.model_copy(update={"position": position, "version": 1})


async def letters(context: ServiceContext) -> list[ApprovalLetter]:
    async with context.sessions() as session:
        return list((await session.exec(select(ApprovalLetter))).all())


async def test_a_redelivered_event_changes_nothing_and_a_late_draft_keeps_the_signature(
    context: ServiceContext,
) -> None:
    handle = projection(context)
    letter_id, recap_id = uuid.uuid4(), uuid.uuid4()
    number = "470/Dukcapil-PDIP/0001/2026"
    drafted = at(
        "1000-0",
        LetterDrafted(letter_id=letter_id, letter_number=number, recap_id=recap_id),
        KASUBBAG,
        0,
    )
    signed = at(
        "1001-0",
        LetterSigned(letter_id=letter_id, letter_number=number, recap_id=recap_id),
        SEKRETARIS,
        5,
    )

    await handle(signed)  # after a crash the signature may come back first
    await handle(drafted)
    await handle(signed)  # and again
    [row] = await letters(context)
    assert row.status == "SIGNED" and row.letter_number == number
    assert row.drafted_by_name == KASUBBAG["name"] and row.signed_by_name == SEKRETARIS["name"]
    assert row.drafted_at is not None and row.drafted_at.replace(tzinfo=UTC) == T0


async def test_an_event_is_found_by_its_id_and_only_that_event(event_log: EventLog) -> None:
    letter_id = uuid.uuid4()
    actor = Actor(officer_id="k", name="Budi", role=Role.KASUBBAG_UMUM)
    event = new_event(
        LetterDrafted(letter_id=letter_id, letter_number="1", recap_id=uuid.uuid4()),
        stream_id="letter-register-2026",
        actor=actor,
        office="1471",
        event_id=letter_id,
    )
    [stored] = await event_log.append(event.stream_id, [event], expected_version=0)
    assert await event_log.find(letter_id) == stored
    assert await event_log.find(uuid.uuid4()) is None
