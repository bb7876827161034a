"""The control cards are folded a page of the log at a time: what a page writes is what its
events write one by one, whether a dossier's whole life falls into one page or its steps
into many, on SQLite and on PostgreSQL."""

import gc
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql.elements import BindParameter

from bench.lifecycles import envelope, steps
from services.reporting.archivist import Archivist
from services.reporting.projections import (
    ReportingDossier,
    ReportingLetter,
    ReportingRecap,
    ReportingStep,
)
from services.reporting.replay import differences, rebuild
from shared.db import create_tables, make_engine, session_factory
from shared.log import EventLog
from shared.privacy import ERASED
from shared.vocabulary import STATUS_AFTER_EVENT
from tests.sop_history import NIK, Office


async def rows(engine: AsyncEngine, model: Any) -> list[dict[str, Any]]:
    table = model.__table__
    query = select(table).order_by(*table.primary_key.columns)
    async with engine.connect() as connection:
        return [dict(row._mapping) for row in await connection.execute(query)]


async def same_as_one_by_one(live: AsyncEngine, log: EventLog, scratch: Path) -> list[str]:
    """The differences between `live` and the log rebuilt a page of one event at a time."""
    reference = make_engine(f"sqlite+aiosqlite:///{scratch / f'one-{uuid.uuid4().hex}.db'}")
    try:
        await create_tables(reference)
        await rebuild(log, session_factory(reference), page_size=1)
        return [str(d) async for d in differences(live, reference)]
    finally:
        await reference.dispose()


async def test_a_dossier_registered_and_taken_to_its_end_in_one_page_gets_one_card(
    event_log: EventLog, empty_sqlite: AsyncEngine, tmp_path: Path
) -> None:
    office = Office(event_log)
    dossier = await office.register()
    await office.flag(dossier)
    await office.resolve(dossier)
    recap = await office.recap([dossier])
    letter = await office.draft(recap)
    await office.sign(letter)
    await office.accept(letter)
    await office.return_(dossier, letter)
    await office.receive_back(dossier, letter)
    archivist = Archivist(event_log, session_factory(empty_sqlite), None, page_size=100)
    await archivist(office.appended[0])  # one page: the whole life of the file

    [card] = await rows(empty_sqlite, ReportingDossier)
    first = office.appended[0].occurred_at
    assert card["dossier_id"] == str(dossier)
    assert (card["status"], card["nik"], card["recap_id"]) == ("RECEIVED_BACK", NIK, str(recap))
    assert card["letter_number"] == "470/Dukcapil-PDIP/0001/2026"
    assert card["registered_at"] == first
    assert card["returned_seq"] == 8 and card["returned_reason"] == "ADDRESS_NOT_FOUND"
    assert card["received_back_at"] == first + timedelta(seconds=30 * 8)
    steps_of_card = await rows(empty_sqlite, ReportingStep)
    assert [(s["seq"], s["event"]) for s in steps_of_card] == [
        (n, event.type) for n, event in enumerate(office.appended, start=1)
    ]
    assert [s["elapsed_seconds"] for s in steps_of_card] == [None] + [30.0] * 8
    [written] = await rows(empty_sqlite, ReportingLetter)
    assert (written["status"], written["recap_id"]) == ("SIGNED", str(recap))
    assert await same_as_one_by_one(empty_sqlite, event_log, tmp_path) == []


async def test_a_letter_whose_recap_was_archived_before_reaches_the_recaps_dossiers(
    event_log: EventLog, empty_sqlite: AsyncEngine, tmp_path: Path
) -> None:
    office = Office(event_log)
    files = [await office.register(), await office.register()]
    recap = await office.recap(files)
    archivist = Archivist(event_log, session_factory(empty_sqlite), None, page_size=2)
    await archivist(office.appended[-1])  # the recap is committed: this page is over
    letter = await office.draft(recap)
    await office.reject(letter)
    redrafted = await office.draft(recap)
    await office.sign(redrafted)
    await archivist(office.appended[-1])

    cards = await rows(empty_sqlite, ReportingDossier)
    assert [c["status"] for c in cards] == ["LETTER_SIGNED", "LETTER_SIGNED"]
    assert {c["letter_id"] for c in cards} == {str(redrafted)}
    letters = {row["letter_id"]: row["status"] for row in await rows(empty_sqlite, ReportingLetter)}
    assert letters == {str(letter): "REJECTED", str(redrafted): "SIGNED"}
    steps_of_cards = await rows(empty_sqlite, ReportingStep)
    assert sorted(s["event"] for s in steps_of_cards if s["dossier_id"] == str(files[0])) == [
        "DocumentRegistered", "LetterDrafted", "LetterDrafted", "LetterRejected",
        "LetterSigned", "RecapCompiled",
    ]  # fmt: skip
    assert len(await rows(empty_sqlite, ReportingRecap)) == 1
    assert await same_as_one_by_one(empty_sqlite, event_log, tmp_path) == []


async def test_an_erasure_blanks_the_card_whether_in_the_registrations_page_or_later(
    event_log: EventLog, empty_sqlite: AsyncEngine, tmp_path: Path
) -> None:
    office = Office(event_log)
    early, late, kept = await office.register(), await office.register(), await office.register()
    await office.flag(early)
    await office.erase(early)  # in the same page as its registration
    archivist = Archivist(event_log, session_factory(empty_sqlite), None, page_size=50)
    await archivist(office.appended[-1])
    await office.erase(late)  # a page of its own, the card loaded from the database
    await office.resolve(early)
    await archivist(office.appended[-1])

    cards = {c["dossier_id"]: c for c in await rows(empty_sqlite, ReportingDossier)}
    assert (cards[str(early)]["nik"], cards[str(early)]["name"]) == (ERASED, ERASED)
    assert (cards[str(late)]["nik"], cards[str(late)]["name"]) == (ERASED, ERASED)
    assert (cards[str(kept)]["nik"], cards[str(kept)]["name"]) == (NIK, "Rina Marlina")
    assert cards[str(early)]["status"] == "REGISTERED"  # the resolution after the erasure
    events = [s["event"] for s in await rows(empty_sqlite, ReportingStep)]
    assert "PersonalDataErased" not in events  # not a step of the SOP
    assert await same_as_one_by_one(empty_sqlite, event_log, tmp_path) == []


def expected_cards(lifecycles: list[Any]) -> dict[str, list[str]]:
    """The reference, without the projection's code: each dossier's SOP events in order."""
    recaps: dict[str, list[str]] = {}
    cards: dict[str, list[str]] = {}
    for step in lifecycles:
        data = step.data
        if "dossier_ids" in data:
            recaps[data.get("recap_id", "")] = data["dossier_ids"]
            named = data["dossier_ids"]
        elif "letter_number" in data:
            named = recaps[data["recap_id"]]
        else:
            named = [data["dossier_id"]]
        for dossier in named:
            cards.setdefault(dossier, []).append(step.type)
    return cards


async def a_lifecycle_folded_in_pages_of(engine: AsyncEngine, log: EventLog, page: int) -> None:
    await create_tables(engine)
    await rebuild(log, session_factory(engine), page_size=page)


@pytest.mark.parametrize("page", [1, 7, 1000])
async def test_cards_folded_in_pages_hold_the_reference_rows_on_sqlite(
    event_log: EventLog, empty_sqlite: AsyncEngine, page: int
) -> None:
    await holds_the_reference_rows(event_log, empty_sqlite, page)


async def test_cards_folded_in_pages_hold_the_reference_rows_on_postgresql(
    event_log: EventLog, postgres_url: str, tmp_path: Path
) -> None:
    live = make_engine(postgres_url)
    try:
        await holds_the_reference_rows(event_log, live, 1000)
        assert await same_as_one_by_one(live, event_log, tmp_path) == []
    finally:
        await live.dispose()


async def holds_the_reference_rows(log: EventLog, engine: AsyncEngine, page: int) -> None:
    lifecycles = list(steps(23, per_recap=10))
    for step in lifecycles:
        event = envelope(step)
        await log.append(event.stream_id, [event], step.version - 1)
    await a_lifecycle_folded_in_pages_of(engine, log, page)

    reference = expected_cards(lifecycles)
    found: dict[str, list[tuple[int, str]]] = {}
    for row in await rows(engine, ReportingStep):
        found.setdefault(row["dossier_id"], []).append((row["seq"], row["event"]))
    assert {dossier: [e for _, e in sorted(s)] for dossier, s in found.items()} == reference
    cards = await rows(engine, ReportingDossier)
    assert {c["dossier_id"]: c["status"] for c in cards} == {
        dossier: STATUS_AFTER_EVENT[events[-1]].value for dossier, events in reference.items()
    }
    returned = [c for c in cards if c["status"] == "RETURNED"]
    assert len(returned) == 2 and all(c["returned_reason"] for c in returned)
    assert all(c["letter_number"] and c["recap_id"] for c in cards)


async def test_a_page_leaves_no_query_holding_its_ids_to_the_garbage_collector(
    event_log: EventLog, empty_sqlite: AsyncEngine
) -> None:
    # Replay collects garbage seldom (`batch_collections`): a page's query that held its
    # ids in a reference cycle would keep every page's ids alive until a collection.
    for step in steps(6, per_recap=3):
        event = envelope(step)
        await event_log.append(event.stream_id, [event], step.version - 1)
    await create_tables(empty_sqlite)
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        await rebuild(event_log, session_factory(empty_sqlite), page_size=7)
        gc.collect()
        holding_ids = [
            o for o in gc.garbage if isinstance(o, BindParameter) and isinstance(o.value, list)
        ]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert len(await rows(empty_sqlite, ReportingDossier)) == 6
    assert holding_ids == []
