"""One running office (the four services as processes, the machine's Redis under its own
prefix) shared by the fault tests that do not kill anything: conflicts and poison events.
Each test works on its own documents, so they do not depend on each other's order."""

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis as sync_redis

from tests.faults.harness import Installation
from tests.faults.traffic import load_people_into_registry, people_of_the_day

PEOPLE = people_of_the_day(60, seed=11)


@pytest.fixture(scope="package")
def office(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Iterator[Installation]:
    prefix = f"test-faults-{uuid.uuid4().hex[:10]}:"
    installation = Installation(Path(tmp_path_factory.mktemp("office")), redis_url, prefix)
    asyncio.run(load_people_into_registry(installation, PEOPLE))
    installation.start_all()
    try:
        asyncio.run(installation.ready(within=90))
        yield installation
    finally:
        installation.stop_all()
        client = sync_redis.Redis.from_url(redis_url)
        found = list(client.scan_iter(match=f"{prefix}*", count=1000))
        if found:
            client.delete(*found)
        client.close()
