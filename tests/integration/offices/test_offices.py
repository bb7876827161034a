"""One installation serves two offices; the office comes from the token. An officer of one
office can neither read nor change anything of the other (404: existence does not leak),
a token of an office not served is refused everywhere (403), and each office's log, keys,
projections, feed and audit trail stay its own."""

import asyncio
import csv
import io
import re
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from click.testing import Result
from typer.testing import CliRunner

from services.cli import app as jasa
from shared.events import decode_entry
from tests.integration.offices.attempts import Attempt, attempts_on, covered, routes_of
from tests.integration.offices.world import (
    CITIZEN,
    NOT_SERVED,
    SERVED,
    Installation,
    Story,
    headers,
    in_registry,
    installation,
    other,
    play_the_day,
    registration,
)
from tests.pdf import pdf_text


@pytest.fixture
def two_offices(service_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.setenv("JASA_OFFICES", ",".join(SERVED))
    return list(SERVED)


@pytest.fixture
async def world(two_offices: list[str]) -> AsyncIterator[Installation]:
    async with installation() as world:
        # Pekanbaru has one more waiting dossier than Kampar: the reports must differ by it.
        await play_the_day(world, "1471", extra_waiting=1)
        await play_the_day(world, "1401")
        yield world


async def attempt(world: Installation, attempt: Attempt, office: str) -> httpx.Response:
    return await world.clients[attempt.service].request(
        attempt.method,
        attempt.path,
        json=attempt.body,
        params=attempt.query,
        headers=headers(attempt.role, office),
    )


def seen_text(response: httpx.Response) -> str:
    """What the reader sees: the body, or a PDF's text."""
    if response.headers.get("content-type", "").startswith("application/pdf"):
        return pdf_text(response.content)
    return response.text


async def test_an_officer_reaches_nothing_of_another_office_on_any_endpoint(
    world: Installation,
) -> None:
    before = await world.log_lengths()
    for office in SERVED:
        mine, theirs = world.stories[office], world.stories[other(office)]
        for tried in attempts_on(theirs):
            response = await attempt(world, tried, office)
            assert response.status_code == tried.status, f"{office} -> {tried}: {response.text}"
            given = f"{tried.path} {tried.body}"  # a 404 may name the id it was asked for
            shown = seen_text(response)
            leaked = [t for t in theirs.traces() if t in shown and t not in given]
            assert not leaked, f"{office} -> {tried} shows {leaked} of office {theirs.office}"
            if response.status_code == 200:
                check_own_office_only(tried, response, mine)
    assert await world.log_lengths() == before, "an attempt wrote to a log"
    for name, app in world.apps.items():
        assert routes_of(name, app) <= covered(attempts_on(world.stories["1471"])), name


def check_own_office_only(tried: Attempt, response: httpx.Response, mine: Story) -> None:
    """A list or report of the reader's office: its own things, all of them."""
    body = response.json() if "json" in response.headers.get("content-type", "") else None
    items = body.get("items", []) if isinstance(body, dict) else []
    match tried.service, tried.template, tried.query.get("format"):
        case "intake", "/dossiers", _:
            assert {item["dossier_id"] for item in items} == set(mine.dossiers)
        case "approval", "/recaps", _:
            assert {item["recap_id"] for item in items} == set(mine.recaps)
        case "approval", "/letters", _:
            assert [item["letter_id"] for item in items] == mine.letters
        case "courier", "/handovers", _:
            assert [item["letter_id"] for item in items] == [
                mine.letter_accepted,
                mine.letter_ready,
            ]
        case ("courier", "/returns", _) | ("reporting", "/reports/undelivered", _):
            assert [item["dossier_id"] for item in items] == [mine.returned]
        case "reporting", "/reports/deliveries", None:
            assert body["totals"]["registered"] == len(mine.dossiers)
        case "reporting", "/reports/deliveries", "csv":
            total = next(row for row in csv.reader(io.StringIO(response.text)) if row[0] == "TOTAL")
            assert int(total[1]) == len(mine.dossiers)
        case "reporting", "/reports/deliveries", "pdf":
            assert CITIZEN[mine.office] in seen_text(response)
        case "reporting", "/reports/delays", _:
            officers = {figures["officer_id"] for figures in body["by_officer"]}
            assert officers and all(officer.endswith(mine.office) for officer in officers)
        case "reporting", "/audit/events", _:
            assert {item["event"]["office"] for item in items} == {mine.office}
        case "reporting", "/audit/verify", _:
            assert body["ok"] is True and body["events_checked"] > 0
        case _:
            raise AssertionError(f"{tried}: no check of what the reader's own office shows")


async def test_a_token_of_an_office_not_served_is_refused_on_every_endpoint(
    two_offices: list[str],
) -> None:
    async with installation() as world:
        anyone = Story("1471", registry_entry=await in_registry(world, "1471"))
        for name in ("waiting", "flagged", "recap_awaiting_letter", "letter_awaiting_signature"):
            setattr(anyone, name, str(uuid.uuid4()))
        for name in ("letter_ready", "with_courier", "returned", "delivered"):
            setattr(anyone, name, str(uuid.uuid4()))
        for tried in attempts_on(anyone):
            response = await attempt(world, tried, NOT_SERVED)
            assert response.status_code == 403, f"{tried}: {response.text}"
            assert f"serves office 1471, 1401, not {NOT_SERVED}" in response.json()["detail"]
        assert await world.log_lengths() == {"1471": 0, "1401": 0}


async def test_each_office_keeps_its_own_log_keys_feed_and_letter_numbers(
    world: Installation,
) -> None:
    redis = world.context("intake").redis
    prefix = world.context("intake").keys.prefix
    keys = [key.decode() async for key in redis.scan_iter(match=f"{prefix}*", count=1000)]
    assert keys
    assert all(
        key.startswith((f"{prefix}jasa:{{1471}}:", f"{prefix}jasa:{{1401}}:")) for key in keys
    )
    for office in SERVED:
        story, log = world.stories[office], world.context("intake").log_for(office)
        raw = await redis.xrange(log.keys.log)
        assert {decode_entry(*entry).office for entry in raw} == {office}
        for dossier_id in story.dossiers:
            assert await redis.exists(log.keys.stream(f"dossier-{dossier_id}"))
            elsewhere = world.context("intake").keys_for(other(office))
            assert not await redis.exists(elsewhere.stream(f"dossier-{dossier_id}"))
        feed = await redis.xrange(log.keys.courier_feed)
        assert [fields[b"letter_id"].decode() for _, fields in feed] == [
            story.letter_accepted,
            story.letter_ready,
        ]
    first_numbers = {world.stories[office].letter_numbers[0] for office in SERVED}
    assert len(first_numbers) == 1 and re.search(r"/0001/\d{4}$", first_numbers.pop())


async def test_ready_names_each_office_consumer(world: Installation) -> None:
    for name, client in world.clients.items():
        ready = (await client.get("/ready")).json()
        assert ready["consumers"] == {"1471": True, "1401": True}, name


async def test_the_same_idempotency_key_of_two_offices_gives_each_its_own_answer(
    two_offices: list[str],
) -> None:
    async with installation() as world:
        answers = {}
        for office in SERVED:
            body = registration(await in_registry(world, office))
            response = await world.clients["intake"].post(
                "/dossiers",
                json=body,
                headers={**headers("FO", office), "Idempotency-Key": "pendaftaran-1"},
            )
            assert response.status_code == 201, response.text
            assert "idempotent-replay" not in response.headers
            answers[office] = response.json()["dossier_id"]
        assert answers["1471"] != answers["1401"]
        for office in SERVED:
            [event] = await world.context("intake").log_for(office).read()
            assert str(event.data.dossier_id) == answers[office]  # type: ignore[attr-defined]


async def run_jasa(*args: str) -> Result:
    return await asyncio.to_thread(CliRunner().invoke, jasa, list(args))


async def test_each_office_is_verified_and_replayed_on_its_own(world: Installation) -> None:
    lengths = await world.log_lengths()
    for office in SERVED:
        verified = await run_jasa("audit", "verify", "--office", office, "--json")
        assert verified.exit_code == 0, verified.output
        assert f'"events_checked": {lengths[office]}' in verified.output
        replayed = await run_jasa("audit", "replay", "--office", office)
        assert replayed.exit_code == 0, replayed.output
        assert f"replayed {lengths[office]} events" in replayed.output
        assert "equal the replay" in replayed.output
    refused = await run_jasa("audit", "verify", "--office", NOT_SERVED)
    assert refused.exit_code == 2
    said = " ".join(refused.output.replace("│", " ").split())
    assert f"--office: this installation serves office 1471, 1401, not {NOT_SERVED}" in said
