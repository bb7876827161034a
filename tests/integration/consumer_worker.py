"""A consumer process for the SIGKILL test: `python -m tests.integration.consumer_worker ...`."""

import argparse
import asyncio
from pathlib import Path

from faststream.redis import RedisBroker
from redis.asyncio import Redis

from shared.consumer import ConsumerOptions, EventConsumer
from shared.keys import Keys
from tests.integration.sample_projection import SampleProjection


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--redis-url", required=True)
    parser.add_argument("--prefix", required=True)
    parser.add_argument("--database", type=Path, required=True)
    parser.add_argument("--consumer", required=True)
    parser.add_argument("--claim-idle-ms", type=int, default=500)
    parser.add_argument("--hang-on-note")
    parser.add_argument("--reading-marker", type=Path)
    args = parser.parse_args()

    projection = SampleProjection(
        args.database, hang_on_note=args.hang_on_note, reading_marker=args.reading_marker
    )
    await projection.setup()
    options = ConsumerOptions(
        group="sample", consumer=args.consumer, claim_idle_ms=args.claim_idle_ms
    )
    consumer = EventConsumer(
        RedisBroker(args.redis_url),
        Redis.from_url(args.redis_url),
        Keys("1471", args.prefix),
        options,
        projection.handle,
    )
    await consumer.start()
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())
