"""A primary of the cluster dies mid-run (SIGKILL) and its replica takes over; the services go
on by themselves.

The four services serve two offices on different primaries; the FO desk of the office
whose primary dies keeps registering. While its slot has no primary, and then while the
promoted replica has no replica of its own to confirm appends (JASA_REDIS_REPLICAS_ACK is 1
on a cluster), commands are answered 503 with Retry-After, never 500. Once the dead node is
back (as the new primary's replica), commands succeed again, with no hand of the services'
on it. Afterwards: every registration answered 201 is in the log once, none is doubled,
the consumers applied everything after the failover, every projection equals a replay,
the scripts are loaded again where they are missing (NOSCRIPT), and the courier's user
still reads its feed.

The cluster is this module's own: its nodes die."""

import asyncio
import collections
import itertools
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import redis as sync_redis
from click.testing import Result
from redis.asyncio.cluster import RedisCluster
from typer.testing import CliRunner

from services.cli import app as jasa
from services.intake.domain import RegistryEntry
from services.intake.registry import load_registry
from shared.events import DocumentRegistered
from shared.keys import Keys
from shared.local_cluster import LocalCluster
from shared.vocabulary import DocumentType
from tests.conftest import start_cluster
from tests.factories import registration
from tests.integration.courier_support import eventually
from tests.integration.offices.world import (
    SERVED,
    Installation,
    headers,
    installation,
    play_the_day,
)
from tests.integration.test_courier_provision import _example

OFFICE = SERVED[0]


@pytest.fixture(scope="module")
def dying_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCluster]:
    cluster = start_cluster(tmp_path_factory.mktemp("dying-cluster"))
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
async def world(
    service_env: dict[str, str], dying_cluster: LocalCluster, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Installation]:
    # REDIS_URL names a node that stays up: the one that dies is the office's primary.
    doomed = dying_cluster.primary_of(Keys(OFFICE).log)
    survivor = next(node for node in dying_cluster.nodes if node is not doomed)
    monkeypatch.setenv("REDIS_URL", survivor.url)
    monkeypatch.setenv("JASA_OFFICES", ",".join(SERVED))
    async with installation() as world:
        yield world


async def run_jasa(*args: str) -> Result:
    return await asyncio.to_thread(CliRunner().invoke, jasa, list(args))


class FrontDesk:
    """An FO registering one new document after another, and what each answer was."""

    def __init__(self, world: Installation, documents: list[RegistryEntry]) -> None:
        self.client, self.documents = world.clients["intake"], iter(documents)
        self.answers: list[httpx.Response] = []
        self.registered: list[str] = []  # dossier ids answered 201

    async def work(self, until: asyncio.Event) -> None:
        fo = headers("FO", OFFICE)
        for document in self.documents:
            if until.is_set():
                return
            answer = await self.client.post("/dossiers", json=registration(document), headers=fo)
            self.answers.append(answer)
            if answer.status_code == 201:
                self.registered.append(answer.json()["dossier_id"])
            else:  # as a person would, who reads "try again" (Retry-After says 2 s)
                await asyncio.sleep(0.2)


async def until_true(probe: Any, what: str, within_s: float = 30) -> None:
    async def checked() -> bool:
        return bool(await asyncio.to_thread(probe))

    deadline = asyncio.get_running_loop().time() + within_s
    while not await checked():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{what} did not happen within {within_s}s")
        await asyncio.sleep(0.1)


async def test_services_go_on_by_themselves_after_a_primary_dies_mid_run(
    world: Installation, dying_cluster: LocalCluster, service_env: dict[str, str]
) -> None:
    prefix = service_env["JASA_KEY_PREFIX"]
    keys = Keys(OFFICE, prefix)
    story = await play_the_day(world, OFFICE)  # a feed with two handovers on it, among others
    access = await run_jasa("courier", "provision", "pihak3-failover", "--office", OFFICE)
    assert access.exit_code == 0, access.output
    feed_url = re.search(r"^url:\s+(\S+)$", access.output, re.MULTILINE)[1]  # type: ignore[index]

    serials = itertools.count(1)
    documents = [
        RegistryEntry(
            DocumentType.KTP_EL,
            f"FO-{uuid.uuid4().hex[:10]}",
            f"1471011708{next(serials):06d}",
            "Rina Marlina",
            True,
        )
        for _ in range(600)
    ]
    await load_registry(world.context("intake").engine, documents, office=OFFICE)
    desk, stop = FrontDesk(world, documents), asyncio.Event()
    working = asyncio.create_task(desk.work(stop))
    await eventually(lambda: _now(len(desk.registered)), lambda n: n >= 10, "registrations")

    doomed = dying_cluster.primary_of(keys.log)
    doomed.kill()
    await until_true(lambda: dying_cluster.primary_of(keys.log) is not doomed, "a promotion")
    registered_on_promotion = len(desk.registered)
    await asyncio.to_thread(doomed.start)  # back, as the promoted replica's replica
    await until_true(lambda: _all_ok(dying_cluster), "the cluster whole again")
    await eventually(
        lambda: _now(len(desk.registered)),
        lambda n: n >= registered_on_promotion + 10,
        "registrations after the failover",
    )
    stop.set()
    await working

    statuses = collections.Counter(answer.status_code for answer in desk.answers)
    assert set(statuses) <= {201, 503}, statuses
    assert statuses[503] > 0  # the slot had no primary, then its primary no replica
    assert all(a.headers["retry-after"] == "2" for a in desk.answers if a.status_code == 503)

    cluster = world.context("intake").redis
    assert isinstance(cluster, RedisCluster)
    logged = collections.Counter(
        str(event.data.dossier_id)
        for event in await world.context("intake").log_for(OFFICE).read(limit=100_000)
        if isinstance(event.data, DocumentRegistered)
    )
    assert all(logged[dossier] == 1 for dossier in desk.registered)
    assert max(logged.values()) == 1

    # The consumers resumed: each service's read model has the last registration.
    last = desk.registered[-1]
    auditor, fo = headers("AUDITOR", OFFICE), headers("FO", OFFICE)
    await world.until("intake", f"/dossiers/{last}", fo)
    await world.until("reporting", f"/control-cards/{last}", auditor)

    # A primary without the append script loads it again (NOSCRIPT), and goes on.
    with sync_redis.Redis(port=dying_cluster.primary_of(keys.log).port) as primary:
        primary.script_flush()
    again = await world.clients["intake"].post(
        "/dossiers", json=registration(next(desk.documents)), headers=fo
    )
    assert again.status_code == 201, again.text
    await world.until("reporting", f"/control-cards/{again.json()['dossier_id']}", auditor)

    for office in SERVED:
        verified = await run_jasa("audit", "verify", "--office", office, "--json")
        assert verified.exit_code == 0, verified.output
        replayed = await run_jasa("audit", "replay", "--office", office)
        assert replayed.exit_code == 0, replayed.output
        assert "equal the replay" in replayed.output

    # The third party's user was made on the replica that is now the primary.
    received: list[Any] = []

    async def collect(manifest: Any) -> None:
        received.append(manifest)

    broker = _example().build_broker(feed_url, keys.courier_feed, collect, cluster=True)
    await broker.start()
    try:
        await eventually(lambda: _now(len(received)), lambda n: n == 2, "the feed read")
    finally:
        await broker.stop()
    assert {str(m.letter_id) for m in received} == {story.letter_ready, story.letter_accepted}


def _all_ok(cluster: LocalCluster) -> bool:
    try:
        cluster.wait_until_ok(timeout=0.5)
    except RuntimeError:
        return False
    return True


async def _now(value: Any) -> Any:
    return value
