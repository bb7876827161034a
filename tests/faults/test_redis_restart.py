"""The embedded durable Redis (AOF, fsync always) crashes in the middle of a run and comes
back on the same data dir and port: every command answered with success is in the log
afterwards, commands sent while it was down got a clear 503 problem at once (no hang, no
500), and the services reconnect by themselves, consumers included."""

import asyncio
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis

from services.cli.demo.applicants import Applicant
from shared.keys import Keys
from shared.redis_server import RedisServer
from tests.faults.harness import SERVICES, Installation, bounded_client, caught_up
from tests.faults.steps import events_of
from tests.faults.traffic import AUDITOR, FO, load_people_into_registry, people_of_the_day
from tests.polling import wait_until

pytestmark = pytest.mark.e2e

PEOPLE = people_of_the_day(40, seed=5)


def assert_unavailable(answer: httpx.Response) -> None:
    assert answer.status_code == 503, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert "try again" in answer.json()["detail"]


async def register(
    client: httpx.AsyncClient, office: Installation, person: Applicant, key: str | None = None
) -> httpx.Response:
    extra = {"Idempotency-Key": key} if key else {}
    return await client.post(
        f"{office.url('intake')}/dossiers", json=person.registration(), headers={**FO, **extra}
    )


async def test_a_redis_crash_mid_run_loses_no_answered_command_and_the_services_reconnect(
    tmp_path: Path,
) -> None:
    server = RedisServer(tmp_path / "redis", durable=True).start()
    office = Installation(tmp_path, server.url, key_prefix="")
    redis = Redis.from_url(server.url)
    keys = Keys("1471")
    answered: set[str] = set()
    try:  # whatever fails, the Redis and the services started here are stopped
        await load_people_into_registry(office, PEOPLE)
        office.start_all()
        await office.ready()
        async with bounded_client() as client:
            for person in PEOPLE[:5]:
                answer = await register(client, office, person)
                assert answer.status_code == 201, answer.text
                answered.add(answer.json()["dossier_id"])

            # Redis dies while FO desks are registering: each answer is a success or a 503.
            async def desk(people: list[Applicant], number: int) -> None:
                for n, person in enumerate(people):
                    answer = await register(client, office, person, key=f"desk{number}-{n}")
                    if answer.status_code == 201:
                        answered.add(answer.json()["dossier_id"])
                    else:
                        assert_unavailable(answer)

            desks = [asyncio.create_task(desk(PEOPLE[5 + n : 25 : 4], n)) for n in range(4)]
            await wait_until(lambda: _at_least(answered, 8), within=30)
            server.kill()
            await asyncio.gather(*desks)

            # While it is down, every command and every readiness probe says so at once.
            for person in PEOPLE[25:28]:
                assert_unavailable(await register(client, office, person))
                assert_unavailable(await register(client, office, person, key=person.nik))
            recap = await client.post(
                f"{office.url('intake')}/recaps", json={"document_type": "KK"}, headers=FO
            )
            assert_unavailable(recap)
            for service in SERVICES:
                assert (await client.get(f"{office.url(service)}/ready")).status_code == 503

            # Back on the same data dir and port; nobody restarts the services.
            server.start()
            late = PEOPLE[28]

            async def registered_again() -> bool:
                answer = await register(client, office, late)
                if answer.status_code == 201:
                    answered.add(answer.json()["dossier_id"])
                    return True
                assert_unavailable(answer)
                return False

            await wait_until(registered_again, within=30)
            for person in PEOPLE[29:32]:
                answer = await register(client, office, person)
                assert answer.status_code == 201, answer.text
                answered.add(answer.json()["dossier_id"])

            # Every success is in the log; every service's consumer applied all of it.
            in_log = {
                str(e.data.dossier_id)  # type: ignore[attr-defined]
                for e in await events_of(redis, keys)
                if e.type == "DocumentRegistered"
            }
            assert answered <= in_log
            await caught_up(redis, keys.log, SERVICES, within=60)
            for dossier_id in answered:
                seen = await client.get(f"{office.url('intake')}/dossiers/{dossier_id}", headers=FO)
                assert seen.status_code == 200, seen.text
                card = await client.get(
                    f"{office.url('reporting')}/control-cards/{dossier_id}", headers=AUDITOR
                )
                assert card.status_code == 200, card.text
            for service in SERVICES:
                assert (await client.get(f"{office.url(service)}/ready")).status_code == 200
    finally:
        office.stop_all()
        await redis.aclose()
        server.stop()


async def _at_least(found: set[str], count: int) -> bool:
    return len(found) >= count
