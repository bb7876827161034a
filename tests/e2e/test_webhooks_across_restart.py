"""Webhooks are never lost: the courier service as a real process, its endpoint added with
`jasa webhooks add`, a real receiver on the loopback that is down for a while, and the
courier killed (no shutdown at all) in the middle and started again. Every handover
signed before, during and after arrives, each applied once."""

import asyncio
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis

from services.courier.config import CourierSettings
from shared.keys import Keys
from shared.log import EventLog
from shared.master_key import load_or_create_master_key
from shared.webhooks.office import OfficeWebhooks
from tests.courier_factories import Handover
from tests.e2e.harness import clean_environment, free_service_port, wait_until
from tests.webhook_receiver import Receiver, stopped_at_the_end

pytestmark = pytest.mark.e2e
JASA = [sys.executable, "-m", "services.cli"]


def courier_process(port: int, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "uvicorn", "--factory", "services.courier.main:create_app"]
    with log.open("ab") as output:
        return subprocess.Popen(
            [*command, "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def ready(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/ready", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def sign_handovers(redis_url: str, keys: Keys, count: int) -> list[Handover]:
    async def sign() -> list[Handover]:
        redis = Redis.from_url(redis_url)
        try:
            log = EventLog(redis, keys)
            return [await Handover(documents=1).draft_and_sign(log) for _ in range(count)]
        finally:
            await redis.aclose()

    return asyncio.run(sign())


def tried_messages(redis_url: str, keys: Keys, env: dict[str, str]) -> int:
    """Pending messages already tried at least once (the receiver refused them)."""

    async def count() -> int:
        redis = Redis.from_url(redis_url)
        try:
            settings = CourierSettings(data_dir=Path(env["JASA_DATA_DIR"]))
            hooks = OfficeWebhooks.of(redis, keys, load_or_create_master_key(settings))
            return len([m for m in await hooks.outbox.pending() if m.attempts >= 1])
        finally:
            await redis.aclose()

    return asyncio.run(count())


def test_nothing_queued_is_lost_when_the_receiver_is_down_and_the_courier_is_killed(
    redis_url: str, key_prefix: str, tmp_path: Path
) -> None:
    env = clean_environment(
        REDIS_URL=redis_url,
        JASA_KEY_PREFIX=key_prefix,
        JASA_DATA_DIR=str(tmp_path / "var"),
        JASA_SECRET="e2e-secret-not-for-production-0123456789abcdef",
        JASA_WEBHOOK_ALLOW_PRIVATE="true",
        JASA_WEBHOOK_SCHEDULE="300ms,500ms,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s",
        JASA_WEBHOOK_TIMEOUT="1s",
        JASA_CLAIM_IDLE_MS="1000",
    )
    keys = Keys("1471", key_prefix)
    port = free_service_port()
    log = tmp_path / "courier.log"
    with stopped_at_the_end(Receiver(tmp_path / "receiver")) as receiver:
        courier = courier_process(port, env, log)
        try:
            wait_until(lambda: ready(port), 90, "the courier service ready")
            added = subprocess.run(
                [*JASA, "webhooks", "add", receiver.url, "--description", "Pos Indonesia"],
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert added.returncode == 0, added.stderr
            found = re.search(r"^secret:\s+(whsec_\S+)$", added.stdout, re.MULTILINE)
            assert found, added.stdout
            before = sign_handovers(redis_url, keys, 3)
            wait_until(lambda: tried_messages(redis_url, keys, env) == 3, 60, "three refused")

            courier.send_signal(signal.SIGKILL)  # a crash: no shutdown, nothing flushed
            courier.wait(30)
            during = sign_handovers(redis_url, keys, 2)  # into the log while it is down
            courier = courier_process(port, env, log)
            wait_until(lambda: ready(port), 90, "the courier service ready again")
            after = sign_handovers(redis_url, keys, 1)
            receiver.start(found.group(1))

            letters = {str(h.letter_id) for h in (*before, *during, *after)}
            wait_until(lambda: len(receiver.events()) == 6, 90, "every handover applied")
        finally:
            courier.send_signal(signal.SIGTERM)
            courier.wait(30)
    applied = receiver.events()
    assert {event["subject"] for event in applied} == letters
    assert {event["type"] for event in applied} == {"handover.ready"}
    assert len({event["webhook_id"] for event in applied}) == 6
