"""The register of outgoing letters under pressure: several approval processes drafting and
signing at the same moment against one Redis log."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from services.approval.config import ApprovalSettings
from services.approval.domain import register_stream, register_year
from services.approval.main import create_app
from shared.events import Actor, LetterDrafted, new_event
from shared.log import EventLog
from shared.vocabulary import Role
from tests.approval_support import KASUBBAG, SEKRETARIS, compile_recap, eventually
from tests.conftest import running, token_for

KASUBBAG_TOKEN = token_for(**KASUBBAG)
SEKRETARIS_TOKEN = token_for(**SEKRETARIS)


@pytest.fixture
async def desks(service_env: dict[str, str]) -> AsyncIterator[list[httpx.AsyncClient]]:
    """Two approval processes (own Redis pools, own consumers) on one office log."""
    apps = [create_app(ApprovalSettings(consumer_name=f"approval-{n}")) for n in (1, 2)]
    async with running(apps[0]) as first, running(apps[1]) as second:
        yield [first, second]


async def seen(client: httpx.AsyncClient, recap_ids: set[str]) -> bool:
    page = await client.get("/recaps?status=AWAITING_LETTER&limit=500", headers=KASUBBAG_TOKEN)
    return recap_ids <= {item["recap_id"] for item in page.json()["items"]}


async def test_thirty_concurrent_drafts_get_numbers_one_to_thirty_without_gap_or_duplicate(
    desks: list[httpx.AsyncClient], event_log: EventLog
) -> None:
    recap_ids = [str((await compile_recap(event_log, citizens=1))[0]) for _ in range(30)]
    await eventually(lambda: seen(desks[0], set(recap_ids)))
    responses = await asyncio.gather(
        *(
            desks[n % 2].post("/letters", json={"recap_id": recap_id}, headers=KASUBBAG_TOKEN)
            for n, recap_id in enumerate(recap_ids)
        )
    )
    assert [r.status_code for r in responses] == [201] * 30, [r.text for r in responses]
    numbers = [r.json()["letter_number"] for r in responses]
    [year] = {number.split("/")[3] for number in numbers}
    assert sorted(int(number.split("/")[2]) for number in numbers) == list(range(1, 31))
    register = await event_log.load(register_stream(int(year)))
    assert [(e.version, e.data.letter_number) for e in register] == [  # type: ignore[attr-defined]
        (n, f"470/Dukcapil-PDIP/{n:04d}/{year}") for n in range(1, 31)
    ]
    assert sorted(str(e.data.recap_id) for e in register) == sorted(recap_ids)  # type: ignore[attr-defined]


async def test_ten_kasubbag_drafting_one_recap_at_once_make_exactly_one_letter(
    desks: list[httpx.AsyncClient], event_log: EventLog
) -> None:
    recap_id, _ = await compile_recap(event_log)
    await eventually(lambda: seen(desks[1], {str(recap_id)}))
    responses = await asyncio.gather(
        *(
            desks[n % 2].post("/letters", json={"recap_id": str(recap_id)}, headers=KASUBBAG_TOKEN)
            for n in range(10)
        )
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * 9
    [letter] = [r.json() for r in responses if r.status_code == 201]
    for refused in (r for r in responses if r.status_code == 409):
        assert letter["letter_number"] in refused.json()["detail"]
    drafted = [e for e in await event_log.read() if e.type == "LetterDrafted"]
    assert [str(e.event_id) for e in drafted] == [letter["letter_id"]]


async def test_ten_sekretaris_signing_one_letter_at_once_sign_it_once(
    desks: list[httpx.AsyncClient], event_log: EventLog
) -> None:
    recap_id, _ = await compile_recap(event_log)
    await eventually(lambda: seen(desks[0], {str(recap_id)}))
    drafted = await desks[0].post(
        "/letters", json={"recap_id": str(recap_id)}, headers=KASUBBAG_TOKEN
    )
    letter_id = drafted.json()["letter_id"]
    responses = await asyncio.gather(
        *(
            desks[n % 2].post(f"/letters/{letter_id}/sign", headers=SEKRETARIS_TOKEN)
            for n in range(10)
        )
    )
    assert sorted(r.status_code for r in responses) == [200] + [409] * 9
    assert all("already signed" in r.json()["detail"] for r in responses if r.status_code == 409)
    assert [e.type for e in await event_log.load(f"letter-{letter_id}")] == ["LetterSigned"]


async def test_signing_and_rejecting_one_letter_at_once_has_one_effect(
    desks: list[httpx.AsyncClient], event_log: EventLog
) -> None:
    recap_id, _ = await compile_recap(event_log)
    await eventually(lambda: seen(desks[0], {str(recap_id)}))
    drafted = await desks[0].post(
        "/letters", json={"recap_id": str(recap_id)}, headers=KASUBBAG_TOKEN
    )
    letter_id = drafted.json()["letter_id"]
    sign, reject = await asyncio.gather(
        desks[0].post(f"/letters/{letter_id}/sign", headers=SEKRETARIS_TOKEN),
        desks[1].post(
            f"/letters/{letter_id}/reject",
            json={"reason": "ragu"},
            headers=SEKRETARIS_TOKEN,
        ),
    )
    assert sorted([sign.status_code, reject.status_code]) == [200, 409]
    assert len(await event_log.load(f"letter-{letter_id}")) == 1


async def test_a_letter_still_awaiting_signature_in_last_years_register_blocks_a_new_draft(
    desks: list[httpx.AsyncClient], event_log: EventLog
) -> None:
    """A recap compiled in December and drafted then keeps its letter in January."""
    last_year = datetime.now(UTC) - timedelta(days=366)
    recap_id, _ = await compile_recap(event_log, compiled_at=last_year)
    await eventually(lambda: seen(desks[0], {str(recap_id)}))
    letter_id = uuid.uuid4()
    old = new_event(
        LetterDrafted(
            letter_id=letter_id, letter_number="470/Dukcapil-PDIP/0099/old", recap_id=recap_id
        ),
        stream_id=register_stream(register_year(last_year)),
        actor=Actor(officer_id="k-1", name=KASUBBAG["name"], role=Role.KASUBBAG_UMUM),
        office="1471",
        event_id=letter_id,
        occurred_at=last_year,
    )
    await event_log.append(old.stream_id, [old], expected_version=0)
    response = await desks[0].post(
        "/letters", json={"recap_id": str(recap_id)}, headers=KASUBBAG_TOKEN
    )
    assert response.status_code == 409
    assert "0099/old" in response.json()["detail"]
