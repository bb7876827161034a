"""The log the benchmarks replay holds what an office's log holds: whole lifecycles, their
personal data sealed under each dossier's key, readable with the bench's installation key."""

from collections import Counter

from redis.asyncio import Redis

from bench.fill import fill
from bench.latency import privacy
from bench.lifecycles import steps
from shared.events import Delivered, DocumentRegistered
from shared.keys import Keys
from shared.log import EventLog
from shared.privacy import holds_sealed_data


async def test_the_bench_fills_the_log_with_sealed_lifecycles(redis: Redis, keys: Keys) -> None:
    rate = await fill(redis, keys, 48, batch=20)  # twenty dossiers, in three batches
    stored = await EventLog(redis, keys).read(limit=100)
    assert rate > 0
    assert Counter(event.type for event in stored) == Counter(step.type for step in steps(20))
    personal = [e for e in stored if isinstance(e.data, DocumentRegistered | Delivered)]
    assert len(personal) == 38 and all(holds_sealed_data(event) for event in personal)
    assert all(b"Rina Marlina" not in body for _, fields in await redis.xrange(keys.log)
               for body in fields.values())  # fmt: skip
    revealed = await privacy(redis, keys).reveal_all(personal)
    assert {event.data.nik for event in revealed if event.type == "DocumentRegistered"} == {
        f"147101450690{n:04d}" for n in range(10)
    }
    assert {event.data.recipient_name for event in revealed if event.type == "Delivered"} == {
        "Rina Marlina"
    }
    assert len(await redis.hkeys(keys.scoped("pii-keys"))) == 20  # one key per dossier
