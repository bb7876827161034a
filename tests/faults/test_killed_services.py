"""Each service killed (SIGKILL) in turn while some two thousand events flow through all four,
and started again: afterwards every read model equals what a fresh instance builds from the
whole log, and the reporting projections equal `jasa audit replay`'s rebuild. No event lost,
none applied twice."""

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest
from redis.asyncio import Redis

from services.approval.projections import ApprovalDossier, ApprovalLetter, ApprovalRecap
from services.courier.projections import CourierDossier, CourierLetter, CourierRecap
from services.intake.projections import IntakeDossier, IntakeRecap
from shared.claims import AppliedEvent, projection_of
from shared.db import make_engine
from shared.keys import Keys
from shared.log import EventLog
from shared.vocabulary import DocumentType
from tests.e2e.harness import free_port_base
from tests.faults.harness import (
    SERVICES,
    Installation,
    caught_up,
    projection_tables,
    table_differences,
)
from tests.faults.traffic import Traffic, load_people_into_registry, people_of_the_day
from tests.polling import wait_until
from tests.sop_history import Office

pytestmark = pytest.mark.e2e

READ_MODELS = {
    "intake": (IntakeDossier, IntakeRecap),
    "approval": (ApprovalDossier, ApprovalRecap, ApprovalLetter),
    "courier": (CourierDossier, CourierRecap, CourierLetter),
}
EVENTS = 2000


async def office_histories(office: Office, redis: Redis, events: int, per_second: float) -> None:
    """AKTA files through the whole SOP, ten to a recap, appended at a steady pace until the
    log (with what the HTTP traffic adds) holds `events` events."""
    batch = 0
    while await redis.xlen(office.log.keys.log) < events:
        batch += 1
        started = len(office.appended)
        dossiers = [await office.register(DocumentType.AKTA) for _ in range(10)]
        recap = await office.recap(dossiers, DocumentType.AKTA)
        letter = await office.draft(recap)
        if batch % 5 == 0:
            await office.reject(letter)
            letter = await office.draft(recap)
        await office.sign(letter)
        await office.accept(letter)
        for number, dossier in enumerate(dossiers):
            if number % 4 == 0:
                await office.return_(dossier, letter)
                await office.receive_back(dossier, letter)
            else:
                await office.deliver(dossier, letter)
        await asyncio.sleep((len(office.appended) - started) / per_second)


async def appended_at_least(office: Office, count: int, histories: asyncio.Task[None]) -> None:
    async def there() -> bool:
        return len(office.appended) >= count or histories.done()

    await wait_until(there, within=120)


async def test_every_service_killed_mid_flow_comes_back_and_equals_a_fresh_replay(
    tmp_path: Path, redis_url: str, key_prefix: str, keys: Keys, redis: Redis, event_log: EventLog
) -> None:
    installation = Installation(tmp_path, redis_url, key_prefix)
    people = people_of_the_day(90)
    await load_people_into_registry(installation, people)
    installation.start_all()
    try:
        await installation.ready()
        office = Office(event_log)
        histories = asyncio.create_task(office_histories(office, redis, EVENTS, per_second=110))
        traffic = Traffic(installation, people)
        quiet = asyncio.Event()
        driving = asyncio.create_task(traffic.run(quiet))

        for number, service in enumerate(SERVICES):
            await appended_at_least(office, (number + 1) * 350, histories)
            installation.kill(service)
            same_name = number % 2 == 0  # intake, courier: same consumer; the others a new one
            installation.start(service, consumer=f"{service}-1" if same_name else None)
        await histories
        await installation.ready(*SERVICES)
        quiet.set()
        await asyncio.wait_for(driving, 150)

        total = int(await redis.xlen(keys.log))
        assert total >= EVENTS, f"only {total} events flowed ({traffic.answers})"
        assert traffic.answers["courier: 200"] > 0, f"no delivery went through: {traffic.answers}"

        # A fresh instance of each service reads the whole log from scratch, while the
        # live ones finish catching up.
        base = free_port_base()
        for number, service in enumerate(READ_MODELS, start=1):
            installation.fresh(service, base + number)
        await installation.ready(*(f"fresh-{service}" for service in READ_MODELS))
        fresh_groups = [f"{service}-fresh" for service in READ_MODELS]
        await caught_up(redis, keys.log, [*SERVICES, *fresh_groups], within=240)

        # Intake reads every event: its applied positions are the whole log, once each.
        positions = [entry[0].decode() for entry in await redis.xrange(keys.log)]
        live_intake = make_engine(installation.database_url("intake"))
        try:
            async with live_intake.connect() as connection:
                intake_of_office = projection_of("intake", "1471")
                query = AppliedEvent.__table__.select().where(  # type: ignore[attr-defined]
                    AppliedEvent.projection == intake_of_office
                )
                applied = (await connection.execute(query)).all()
        finally:
            await live_intake.dispose()
        assert sorted(row.position for row in applied) == sorted(positions)

        differing = {}
        for service, models in READ_MODELS.items():
            live = make_engine(installation.database_url(service))
            fresh = make_engine(installation.database_url(service, tmp_path / f"fresh-{service}"))
            try:
                found = await table_differences(live, fresh, projection_tables(models))
            finally:
                await live.dispose()
                await fresh.dispose()
            if found:
                differing[service] = f"{len(found)} rows, e.g.\n" + "\n".join(found[:8])
        assert differing == {}, "read models differ from a fresh replay:\n" + "\n".join(
            f"{service}: {text}" for service, text in differing.items()
        )
        replay = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "services.cli", "audit", "replay"],
            env=installation.environment(),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert replay.returncode == 0, replay.stdout + replay.stderr
        assert "the live projections equal the replay" in replay.stdout
        assert f"replayed {total} events" in replay.stdout
    finally:
        installation.stop_all()
