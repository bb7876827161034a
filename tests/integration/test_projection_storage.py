"""Projections apply each event once, on SQLite and on PostgreSQL alike."""

import uuid
from pathlib import Path

import pytest
from sqlmodel import Field, SQLModel, select

from shared.claims import claim_position, claim_positions, last_position
from shared.db import create_tables, make_engine, session_factory


class Tally(SQLModel, table=True):
    __tablename__ = "test_tally"
    name: str = Field(primary_key=True)
    count: int = 0


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'projection.db'}"
    return str(request.getfixturevalue("postgres_url"))


async def apply(sessions, position: str) -> bool:  # type: ignore[no-untyped-def]
    async with sessions() as session, session.begin():
        if not await claim_position(session, "tally", position):
            return False
        tally = await session.get(Tally, "events") or Tally(name="events")
        tally.count += 1
        session.add(tally)
        return True


async def test_an_event_applied_twice_counts_once_and_the_last_position_is_kept(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    await create_tables(engine)
    sessions = session_factory(engine)
    assert await apply(sessions, "1700000000000-0")
    assert await apply(sessions, "1700000000005-1")
    assert not await apply(sessions, "1700000000000-0")  # redelivered
    assert await apply(sessions, "1700000000002-0")  # late, after a reclaim
    async with sessions() as session:
        assert (await session.exec(select(Tally.count))).one() == 3
        assert await last_position(session, "tally") == "1700000000005-1"
    await engine.dispose()


async def test_a_change_that_fails_leaves_its_position_unclaimed(database_url: str) -> None:
    engine = make_engine(database_url)
    await create_tables(engine)
    sessions = session_factory(engine)
    position = f"1700000000000-{uuid.uuid4().int % 1000}"
    with pytest.raises(RuntimeError):
        async with sessions() as session, session.begin():
            await claim_position(session, "tally", position)
            raise RuntimeError("the projection failed half way")
    assert await apply(sessions, position)
    await engine.dispose()


async def test_a_page_claims_only_what_was_not_applied_and_keeps_its_latest_position(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    await create_tables(engine)
    sessions = session_factory(engine)
    name = f"page-{uuid.uuid4().hex[:8]}"
    async with sessions() as session, session.begin():
        assert await claim_positions(session, name, ["1700000000001-0"]) == {"1700000000001-0"}
    page = [f"1700000000{n:03d}-0" for n in range(1, 700)]  # more than one IN (...) holds
    async with sessions() as session, session.begin():
        claimed = await claim_positions(session, name, page)
    assert claimed == set(page[1:])
    async with sessions() as session, session.begin():
        assert await claim_positions(session, name, page) == set()
        assert await last_position(session, name) == "1700000000699-0"
    await engine.dispose()
