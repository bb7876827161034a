"""After a crash the consumer hands events over out of order (a reclaimed event comes after
newer ones). Intake's read model must end up exactly as if they had come in log order:
the status, and also the recap, the letter and the flag each dossier shows."""

import random
from pathlib import Path
from typing import Any

from sqlalchemy import select

from services.intake.projections import (
    IntakeDossier,
    IntakeRecap,
    IntakeStep,
    NotYetKnown,
    apply_events,
)
from services.intake.search import IntakeSearchEntry
from shared.blind_index import BlindIndex
from shared.db import create_tables, make_engine, session_factory, table_of
from shared.events import Envelope
from shared.log import EventLog
from shared.privacy import ERASED
from tests.sop_history import Office

INDEX = BlindIndex.from_master_key(bytes(32))


async def a_history(office: Office) -> None:
    """Flag and resolution, a recap, a letter rejected and drafted again, signed, delivered."""
    first, second = await office.register(), await office.register()
    await office.flag(second)
    await office.resolve(second)
    await office.flag(second)
    recap = await office.recap([first])
    rejected = await office.draft(recap)
    await office.reject(rejected)
    letter = await office.draft(recap)
    await office.sign(letter)
    await office.accept(letter)
    await office.deliver(first, letter)


TABLES = [table_of(model) for model in (IntakeDossier, IntakeRecap, IntakeStep, IntakeSearchEntry)]


async def read_model_after(
    events: list[Envelope], database: Path, page_size: int = 1
) -> list[dict[str, Any]]:
    """Apply `events` in the order given, `page_size` at a time, as the consumer does: a
    page with an event that comes before the one it builds on is left pending and handed
    over again later. Every row of the read model, its cards and its search index."""
    engine = make_engine(f"sqlite+aiosqlite:///{database}")
    await create_tables(engine)
    sessions = session_factory(engine)
    waiting = [events[at : at + page_size] for at in range(0, len(events), page_size)]
    while waiting:
        page = waiting.pop(0)
        try:
            async with sessions() as session, session.begin():
                await apply_events(session, page, INDEX)
        except NotYetKnown:
            waiting.append(page)
    async with engine.connect() as connection:
        rows = [
            {"table": table.name, **row}
            for table in TABLES
            for row in (await connection.execute(select(table))).mappings()
        ]
    await engine.dispose()
    return sorted(rows, key=repr)


async def test_events_in_any_order_give_the_read_model_of_log_order(
    event_log: EventLog, tmp_path: Path
) -> None:
    office = Office(event_log)
    await a_history(office)
    in_order = await read_model_after(office.appended, tmp_path / "in-order.db")
    flagged = next(row for row in in_order if row.get("flag_reason"))
    assert flagged["status"] == "FLAGGED"
    delivered = next(row for row in in_order if row.get("status") == "DELIVERED")
    assert delivered["recap_id"] is not None and delivered["letter_number"] is not None

    shuffler = random.Random(1471)
    for attempt in range(12):
        shuffled = list(office.appended)
        shuffler.shuffle(shuffled)
        found = await read_model_after(shuffled, tmp_path / f"shuffled-{attempt}.db")
        assert found == in_order, [e.type for e in shuffled]


async def test_a_database_made_before_the_position_columns_gets_them_at_start(
    service_env: dict[str, str], data_dir: Path
) -> None:
    from sqlalchemy import inspect, text

    from services.intake.main import create_app
    from tests.conftest import running

    engine = make_engine(f"sqlite+aiosqlite:///{data_dir / 'intake.db'}")
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "CREATE TABLE intake_dossier (office VARCHAR(8), dossier_id CHAR(32), "
                "nik VARCHAR(16), name VARCHAR(100), document_number VARCHAR(64), "
                "status_position VARCHAR(40), PRIMARY KEY (office, dossier_id))"
            )
        )
        await connection.execute(
            text("INSERT INTO intake_dossier VALUES ('1471', 'a', NULL, NULL, NULL, '1-0')")
        )
    async with running(create_app()):
        pass
    async with engine.connect() as connection:
        columns = await connection.run_sync(
            lambda sync: {c["name"] for c in inspect(sync).get_columns("intake_dossier")}
        )
        kept = (await connection.execute(text("SELECT letter_position FROM intake_dossier"))).all()
    await engine.dispose()
    assert {"flag_position", "recap_position", "letter_position"} <= columns
    assert kept == [("0-0",)]


async def test_a_page_holding_whole_histories_gives_the_read_model_of_one_event_a_page(
    event_log: EventLog, tmp_path: Path
) -> None:
    """A page's new rows are written when it ends: a dossier registered on the page and
    then flagged, recapped, delivered or erased on it too is written and read back first."""
    office = Office(event_log)
    await a_history(office)
    erased = await office.register()  # and erased before anything else reads its row
    await office.erase(erased)
    one_by_one = await read_model_after(office.appended, tmp_path / "one-by-one.db")
    in_one_page = await read_model_after(
        office.appended, tmp_path / "one-page.db", page_size=len(office.appended)
    )
    assert in_one_page == one_by_one
    gone = [row for row in in_one_page if row.get("dossier_id") == erased]
    dossier = next(row for row in gone if row["table"] == "intake_dossier")
    assert dossier["nik"] == dossier["name"] == ERASED
    assert not [row for row in gone if row["table"] == "intake_search"]
    assert {row["table"] for row in one_by_one} == {
        "intake_dossier", "intake_recap", "intake_step", "intake_search"
    }  # fmt: skip
