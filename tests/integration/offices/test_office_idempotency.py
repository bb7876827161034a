"""An `Idempotency-Key` record lives under the office the request is for (the office its
token names): beside that office's log, with its hash tag, so it sits on that office's
shard in a Redis Cluster, and `jasa privacy erase` finds it among that office's keys."""

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from click.testing import Result
from redis.asyncio import Redis
from typer.testing import CliRunner

from services.cli import app as jasa
from services.intake.main import create_app as intake_app
from tests.conftest import running, token_for
from tests.integration.offices.world import (
    NOT_SERVED,
    SERVED,
    Installation,
    headers,
    in_registry,
    registration,
)

KAMPAR = "1401"  # served, but not the installation's default office (1471)


@pytest.fixture
async def intake(
    service_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Installation]:
    monkeypatch.setenv("JASA_OFFICES", ",".join(SERVED))
    app = intake_app()
    async with running(app) as client:
        yield Installation({"intake": app}, {"intake": client})


async def register(
    world: Installation, auth: dict[str, str], key: str, office: str
) -> httpx.Response:
    body = registration(await in_registry(world, office))
    return await world.clients["intake"].post(
        "/dossiers", json=body, headers={**auth, "Idempotency-Key": key}
    )


async def records(redis: Redis, key_prefix: str, office: str) -> list[str]:
    """The idempotency records kept under one office's hash tag."""
    pattern = f"{key_prefix}jasa:{{{office}}}:*idem:*"
    return sorted([key.decode() async for key in redis.scan_iter(match=pattern, count=1000)])


async def test_a_retry_for_an_office_returns_its_first_answer_kept_under_that_office(
    intake: Installation, redis: Redis, key_prefix: str
) -> None:
    fo = headers("FO", KAMPAR)
    first = await register(intake, fo, "pendaftaran-7", KAMPAR)
    body = first.request.content
    retry = await intake.clients["intake"].post(
        "/dossiers", content=body, headers={**fo, "Idempotency-Key": "pendaftaran-7"}
    )
    assert first.status_code == retry.status_code == 201, retry.text
    assert retry.json() == first.json()
    assert retry.headers["idempotent-replay"] == "true"
    [kept] = await records(redis, key_prefix, KAMPAR)
    assert kept.startswith(f"{key_prefix}jasa:{{{KAMPAR}}}:intake:idem:")
    assert await records(redis, key_prefix, "1471") == []
    [event] = await intake.context("intake").log_for(KAMPAR).read()
    assert str(event.data.dossier_id) == first.json()["dossier_id"]  # type: ignore[attr-defined]


async def test_one_officers_key_for_two_offices_gives_each_office_its_own_answer(
    intake: Installation, redis: Redis, key_prefix: str
) -> None:
    same_officer = {
        office: token_for("FO", officer_id="198001012005011001", name="Siti Rahma", office=office)
        for office in SERVED
    }
    answers = {}
    for office in SERVED:
        response = await register(intake, same_officer[office], "pagi-1", office)
        assert response.status_code == 201, response.text
        assert "idempotent-replay" not in response.headers
        answers[office] = response
    assert answers["1471"].json()["dossier_id"] != answers[KAMPAR].json()["dossier_id"]
    for office in SERVED:
        assert len(await records(redis, key_prefix, office)) == 1, office
        retry = await intake.clients["intake"].post(
            "/dossiers",
            content=answers[office].request.content,
            headers={**same_officer[office], "Idempotency-Key": "pagi-1"},
        )
        assert retry.headers["idempotent-replay"] == "true"
        assert retry.json() == answers[office].json()
        assert len(await intake.context("intake").log_for(office).read()) == 1


@pytest.mark.parametrize("office", [NOT_SERVED, None])
async def test_a_refused_token_keeps_no_record(
    intake: Installation, redis: Redis, key_prefix: str, office: str | None
) -> None:
    """An office not served gets the routes' 403, a token that is not valid their 401."""
    auth = headers("FO", office) if office else {"Authorization": "Bearer not-a-token"}
    body = registration(await in_registry(intake, "1471"))
    for _ in range(2):  # the second time, too, is refused rather than replayed
        refused = await intake.clients["intake"].post(
            "/dossiers", json=body, headers={**auth, "Idempotency-Key": "pendaftaran-1"}
        )
        assert refused.status_code == (403 if office else 401), refused.text
        assert "idempotent-replay" not in refused.headers
    if office:
        detail = f"this installation serves office 1471, 1401, not {NOT_SERVED}"
        assert refused.json()["detail"] == detail
    scanned = [key async for key in redis.scan_iter(match=f"{key_prefix}*idem:*")]
    assert scanned == []


async def run_jasa(*args: str) -> Result:
    """`jasa ARGS...` in a thread of its own (it runs its own event loop)."""
    return await asyncio.to_thread(CliRunner().invoke, jasa, list(args))


async def test_erasing_a_dossier_forgets_the_answers_kept_under_its_office_only(
    intake: Installation, redis: Redis, key_prefix: str
) -> None:
    answers = {}
    for office in SERVED:
        response = await register(intake, headers("FO", office), "daftar-1", office)
        assert response.status_code == 201, response.text
        answers[office] = response.json()["dossier_id"]
    kept_elsewhere = await records(redis, key_prefix, "1471")

    erased = await run_jasa("privacy", "erase", answers[KAMPAR], "--office", KAMPAR, "--yes")

    assert erased.exit_code == 0, erased.output
    assert "1 kept answer(s) to a retried request that repeated its data" in erased.output
    assert await records(redis, key_prefix, KAMPAR) == []
    assert await records(redis, key_prefix, "1471") == kept_elsewhere != []


async def test_erasing_without_an_office_finds_the_served_office_that_holds_the_dossier(
    intake: Installation, redis: Redis, key_prefix: str
) -> None:
    response = await register(intake, headers("FO", KAMPAR), "daftar-2", KAMPAR)
    assert response.status_code == 201, response.text
    dossier_id = response.json()["dossier_id"]

    erased = await run_jasa("privacy", "erase", dossier_id, "--yes")

    assert erased.exit_code == 0, erased.output
    assert f"office {KAMPAR}" in erased.output
    assert f"the data key of dossier {dossier_id} is destroyed" in erased.output
    kampar = await redis.xrange(f"{key_prefix}jasa:{{{KAMPAR}}}:log")
    assert kampar[-1][1][b"type"] == b"PersonalDataErased"

    unknown = "0b9c2f3e-5d1a-4c6b-9e8f-7a6b5c4d3e2f"
    missing = await run_jasa("privacy", "erase", unknown, "--yes")
    assert missing.exit_code == 1
    assert f"no dossier {unknown} in any office served (1471, 1401)" in missing.output
