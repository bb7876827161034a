"""`jasa dead-letters`: each consumer group's dead letters, with position, type and error;
exit 0 when there are none, 1 when there are some, 2 when Redis cannot be reached."""

import asyncio

import orjson
import pytest
from click.testing import Result
from faststream.redis import RedisBroker
from redis.asyncio import Redis
from typer.testing import CliRunner

from services.cli import app as jasa
from shared.consumer import ConsumerOptions, EventConsumer
from shared.events import Envelope
from shared.keys import Keys
from shared.redis_server import free_port
from tests.polling import wait_until


async def run_jasa(*args: str) -> Result:
    return await asyncio.to_thread(CliRunner().invoke, jasa, list(args))


async def test_no_group_and_no_dead_letter_is_exit_0(service_env: dict[str, str]) -> None:
    result = await run_jasa("dead-letters")
    assert result.exit_code == 0
    assert "no consumer group reads the log yet" in result.output


async def test_each_group_lists_its_dead_letters_with_position_and_error(
    service_env: dict[str, str], redis_url: str, redis: Redis, keys: Keys
) -> None:
    async def ignore(_: Envelope) -> None:
        return None

    consumer = EventConsumer(
        RedisBroker(redis_url), redis, keys, ConsumerOptions(group="intake", consumer="c1"), ignore
    )
    await consumer.start()
    try:
        poison = (
            await redis.xadd(keys.log, {"type": "Teleported", "event": b'{"type": "Teleported"}'})
        ).decode()
        await wait_until(lambda: _has(redis, keys.dead_letters("intake")))
    finally:
        await consumer.stop()

    listed = await run_jasa("dead-letters")
    assert listed.exit_code == 1
    assert "intake: 1 dead letter" in listed.output
    assert f"position {poison}" in listed.output
    assert "unknown event type 'Teleported'" in listed.output
    as_json = orjson.loads((await run_jasa("dead-letters", "--json")).stdout)
    [letter] = as_json["intake"]["dead_letters"]
    assert (letter["position"], letter["type"], letter["deliveries"]) == (poison, "Teleported", 1)


async def test_redis_out_of_reach_is_exit_2_with_a_sentence(
    service_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")
    result = await run_jasa("dead-letters")
    assert result.exit_code == 2
    assert "cannot reach Redis" in result.output


async def _has(redis: Redis, key: str) -> bool:
    return int(await redis.xlen(key)) > 0
