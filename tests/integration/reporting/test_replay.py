"""Replay rebuilds, from the log alone, exactly what the live service built — for random
SOP histories handled the way the consumer handles them (late, out of order, twice) —
and redelivered events change no report."""

import asyncio
import random
import tempfile
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from services.reporting import queries
from services.reporting.archivist import Archivist
from services.reporting.domain import Period
from services.reporting.replay import differences, rebuild
from shared.db import create_tables, make_engine, session_factory
from shared.keys import Keys
from shared.log import EventLog
from shared.vocabulary import DocumentType, ReturnReason
from tests.integration.reporting.conftest import Reporting, run_jasa
from tests.sop_history import Office

STANDARDS = {step: 60 for step in range(1, 6)}


@dataclass(frozen=True)
class Batch:
    """Some files of one type taken through the SOP as far as `stage`:
    0 registered, 1 recapped, 2 letter drafted (after `rejections` rejected ones),
    3 signed, 4 handed over, then each file's outcome."""

    document_type: DocumentType
    flags: tuple[str, ...]  # per file: "none", "resolved" or "open" (left out of the recap)
    stage: int
    rejections: int
    outcomes: tuple[str, ...]  # per file: "none", "deliver", "return" or "receive"


batches = st.builds(
    Batch,
    document_type=st.sampled_from(list(DocumentType)),
    flags=st.lists(
        st.sampled_from(["none", "none", "resolved", "open"]), min_size=1, max_size=4
    ).map(tuple),
    stage=st.sampled_from([4, 4, 4, 3, 2, 1, 0]),
    rejections=st.integers(0, 2),
    outcomes=st.lists(
        st.sampled_from(["none", "deliver", "return", "receive"]), min_size=4, max_size=4
    ).map(tuple),
)


async def walk(office: Office, batch: Batch) -> AsyncIterator[None]:
    """The batch's events one by one, so that several batches can interleave."""
    files = []
    for flag in batch.flags:
        files.append(await office.register(batch.document_type))
        yield
        if flag != "none":
            await office.flag(files[-1])
            yield
        if flag == "resolved":
            await office.resolve(files[-1])
            yield
    recapped = [f for f, flag in zip(files, batch.flags, strict=True) if flag != "open"]
    if batch.stage < 1 or not recapped:
        return
    recap = await office.recap(recapped, batch.document_type)
    yield
    if batch.stage < 2:
        return
    for _ in range(batch.rejections):
        await office.reject(await office.draft(recap))
        yield
    letter = await office.draft(recap)
    yield
    if batch.stage < 3:
        return
    await office.sign(letter)
    yield
    if batch.stage < 4:
        return
    await office.accept(letter)
    yield
    for dossier, outcome in zip(recapped, batch.outcomes, strict=False):
        if outcome == "deliver":
            await office.deliver(dossier, letter)
        elif outcome in ("return", "receive"):
            await office.return_(dossier, letter, ReturnReason.RECIPIENT_NOT_HOME)
            if outcome == "receive":
                yield
                await office.receive_back(dossier, letter)
        yield


async def enact(office: Office, plan: list[Batch], interleave: random.Random) -> None:
    """Run the batches side by side, the next event taken from a batch chosen at random."""
    walking = [aiter(walk(office, batch)) for batch in plan]
    while walking:
        batch = interleave.choice(walking)
        if await anext(batch, "done") == "done":
            walking.remove(batch)


async def all_differences(live: AsyncEngine, rebuilt: AsyncEngine) -> list[str]:
    return [str(difference) async for difference in differences(live, rebuilt)]


async def reports(session: AsyncSession) -> list[object]:
    """Everything a reader can see, to compare before and after redelivery."""
    undelivered, _ = await queries.undelivered_documents(
        session, "1471", None, 500, reveal_nik=True
    )
    return [
        await queries.delivery_report(session, "1471", Period()),
        await queries.delay_report(session, "1471", Period(), STANDARDS),
        undelivered,
        (await queries.archived_events(session, "1471", None, 500))[0],
    ]


async def a_history_live_and_replayed(
    redis_url: str,
    scratch: Path,
    plan: list[Batch],
    shuffle: random.Random,
    redeliveries: list[int],
) -> list[str]:
    keys = Keys("1471", f"test-{uuid.uuid4().hex[:12]}:")
    redis = Redis.from_url(redis_url)
    live = make_engine(f"sqlite+aiosqlite:///{scratch / 'live.db'}")
    fresh = make_engine(f"sqlite+aiosqlite:///{scratch / 'replay.db'}")
    try:
        log = EventLog(redis, keys)
        office = Office(log)
        await enact(office, plan, shuffle)
        events = office.appended
        await create_tables(live)
        archivist = Archivist(log, session_factory(live), sealer=None, page_size=7)
        # The consumer after a crash: some events late, others early, some twice.
        crashed = list(events)
        shuffle.shuffle(crashed)
        for event in crashed[: len(crashed) // 3]:
            await archivist(event)
        for event in events:
            await archivist(event)
        async with session_factory(live)() as session:
            seen = await reports(session)
        for n in redeliveries:
            if events:
                await archivist(events[n % len(events)])
        async with session_factory(live)() as session:
            assert await reports(session) == seen, "a redelivered event changed a report"
        await create_tables(fresh)
        rebuilt = await rebuild(log, session_factory(fresh), page_size=5)
        assert rebuilt.events == len(events)
        return await all_differences(live, fresh)
    finally:
        await live.dispose()
        await fresh.dispose()
        found = [key async for key in redis.scan_iter(match=f"{keys.prefix}*")]
        if found:
            await redis.delete(*found)
        await redis.aclose()


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    plan=st.lists(batches, min_size=1, max_size=5),
    shuffle=st.randoms(use_true_random=False),
    redeliveries=st.lists(st.integers(0, 10_000), max_size=20),
)
def test_replay_rebuilds_what_live_built_row_for_row(
    redis_url: str,
    plan: list[Batch],
    shuffle: random.Random,
    redeliveries: list[int],
) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        found = asyncio.run(
            a_history_live_and_replayed(redis_url, Path(scratch), plan, shuffle, redeliveries)
        )
    assert found == []


async def test_jasa_audit_replay_agrees_with_live_and_names_a_tampered_row(
    reporting: Reporting, office: Office
) -> None:
    first, second = await office.register(), await office.register(DocumentType.KK)
    letter = await office.draft(await office.recap([first]))
    await office.sign(letter)
    await office.flag(second)
    await reporting.handle_all(office)
    agreed = await run_jasa("audit", "replay")
    assert agreed.exit_code == 0, agreed.output
    assert "replayed 6 events" in agreed.output and "events/s" in agreed.output
    assert "equal the replay" in agreed.output
    async with reporting.engine.begin() as connection:
        await connection.execute(
            text("UPDATE reporting_dossier SET status = 'DELIVERED' WHERE dossier_id = :d"),
            {"d": str(first)},
        )
    differed = await run_jasa("audit", "replay")
    assert differed.exit_code == 1
    tampered = f"reporting_dossier ('1471', '{first}'): differs - status: live 'DELIVERED'"
    assert tampered in differed.output
    assert "1 differences" in differed.output
