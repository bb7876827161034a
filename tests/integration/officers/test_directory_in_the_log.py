"""The directory's events travel the office's log like any other: every service's consumer
passes over them without a dead letter, and the auditor reads them in the audit archive."""

from redis.asyncio import Redis

from services.approval.main import create_app as create_approval
from services.courier.main import create_app as create_courier
from services.intake.main import create_app as create_intake
from services.reporting.main import create_app as create_reporting
from shared.keys import Keys
from shared.log import EventLog
from shared.vocabulary import Role
from tests.conftest import running, token_for
from tests.integration.officers.conftest import ADMIN, enrol


async def test_every_consumer_applies_directory_events_and_the_auditor_reads_them(
    service_env: dict[str, str], redis: Redis, keys: Keys
) -> None:
    await enrol(redis, keys, "siti", Role.FO)
    (enrolled,) = await EventLog(redis, keys).load("officers")
    assert enrolled.position is not None
    apps = [create_intake(), create_approval(), create_courier(), create_reporting()]
    async with (
        running(apps[0]),
        running(apps[1]),
        running(apps[2]),
        running(apps[3]) as reporting,
    ):
        for app in apps:
            consumer = app.state.context.consumers["1471"]
            assert await consumer.progress.wait_until_applied(enrolled.position, 10)
        for group in ("intake", "approval", "courier", "reporting"):
            assert await redis.xlen(keys.dead_letters(group)) == 0
        archived = await reporting.get("/audit/events", headers=token_for("AUDITOR"))
        (entry,) = archived.json()["items"]
        assert entry["event"]["type"] == "OfficerEnrolled"
        assert entry["event"]["actor"]["officer_id"] == ADMIN.officer_id
        assert entry["event"]["data"]["username"] == "siti"
