"""A page of events as intake's projection applies it: the dossier rows and card steps the
page names are read first, in a few queries, so that applying its events asks the database
nothing more; its new rows (dossiers registered, card steps, search digests) are kept as
plain rows and written as one INSERT a table when the page ends, or before anything reads,
changes or deletes them. A table model's object costs more to make than its row costs to
write."""

import uuid
from collections.abc import AsyncIterator, Collection, Sequence
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import Table
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.intake.projections.tables import IntakeDossier, IntakeRecap, IntakeStep
from services.intake.search import IntakeSearchEntry
from shared.bulk import Row, insert_rows
from shared.db import chunks, table_of
from shared.events import Envelope, LetterDrafted, LetterRejected, LetterSigned

# In `session.info` while a page is applied: its dossier rows (None for a dossier not in the
# read model, NEW for one registered on the page and not written yet), the steps its events
# already put on a card (a page delivered again), and its new rows by table.
PAGE_ROWS = "intake_page_rows"
PAGE_STEPS = "intake_page_steps"
PAGE_NEW = "intake_page_new"
NEW = "new on this page"
DOSSIERS, STEPS, SEARCH = table_of(IntakeDossier), table_of(IntakeStep), table_of(IntakeSearchEntry)

DossierKey = tuple[str, uuid.UUID]
StepKey = tuple[str, uuid.UUID, str]


@asynccontextmanager
async def page_of(session: AsyncSession, events: Sequence[Envelope]) -> AsyncIterator[None]:
    """The page's rows read before its events are applied, its new rows written after."""
    session.info[PAGE_ROWS] = await _rows_named(session, events)
    session.info[PAGE_STEPS] = await _steps_on_cards(session, events, session.info[PAGE_ROWS])
    session.info[PAGE_NEW] = {}
    try:
        yield
        await write_new(session)
    finally:
        del session.info[PAGE_ROWS], session.info[PAGE_STEPS], session.info[PAGE_NEW]


def add_new(session: AsyncSession, table: Table, rows: list[Row]) -> None:
    session.info[PAGE_NEW].setdefault(table, []).extend(rows)


def add_dossier(session: AsyncSession, key: DossierKey, row: Row) -> None:
    """A dossier registered on this page: its row, written with the page's others."""
    add_new(session, DOSSIERS, [row])
    session.info[PAGE_ROWS][key] = NEW


def on_card(session: AsyncSession, key: StepKey) -> bool:
    """Whether this step is on its dossier's card already (its event applied before)."""
    return key in session.info[PAGE_STEPS]


async def write_new(session: AsyncSession) -> None:
    """The page's new rows written so far, so that a statement after sees them."""
    new: dict[Table, list[Row]] = session.info[PAGE_NEW]
    if not new:
        return
    connection = await session.connection()
    for table, rows in new.items():
        await insert_rows(connection, table, rows)
    new.clear()


async def find(session: AsyncSession, office: str, dossier_id: uuid.UUID) -> IntakeDossier | None:
    """A dossier's row, or None if the read model has none."""
    known: dict[DossierKey, IntakeDossier | str | None] = session.info[PAGE_ROWS]
    key = (office, dossier_id)
    row = known[key] if key in known else await session.get(IntakeDossier, key)
    if not isinstance(row, str):
        return row
    # NEW: registered on this page, and now changed or read (a recap of this page's
    # registrations, say): the page's new rows are written, and its new dossiers read back
    # in one query, not one each.
    written = [named for named, value in known.items() if isinstance(value, str)]
    await write_new(session)
    known.update(await _rows_of(session, written))
    found = known[key]
    assert not isinstance(found, str), "a dossier written on this page was not read back"
    return found


async def _steps_on_cards(
    session: AsyncSession,
    events: Sequence[Envelope],
    named: dict[DossierKey, "IntakeDossier | None"],
) -> set[StepKey]:
    """The steps the page's events already put on the cards of the dossiers they name (a
    page delivered again); a new dossier has no card, so a page of registrations asks
    nothing."""
    known = [key for key, row in named.items() if row is not None]
    found: set[StepKey] = set()
    for office in {office for office, _ in known}:
        positions = [e.position for e in events if e.office == office and e.position]
        dossier_ids = [d for o, d in known if o == office]
        for chunk in chunks(dossier_ids):
            query = select(IntakeStep.office, IntakeStep.dossier_id, IntakeStep.position).where(
                IntakeStep.office == office,
                col(IntakeStep.dossier_id).in_(chunk),
                col(IntakeStep.position).in_(positions),
            )
            found.update((o, d, p) for o, d, p in await session.exec(query))
    return found


async def _rows_named(
    session: AsyncSession, events: Sequence[Envelope]
) -> dict[DossierKey, IntakeDossier | None]:
    """Every dossier row the events name (directly, or through the recap a letter is for)."""
    named: set[DossierKey] = set()
    recaps: set[tuple[str, uuid.UUID]] = set()
    for event in events:
        data: Any = event.data
        if isinstance(data, LetterDrafted | LetterSigned | LetterRejected):
            recaps.add((event.office, data.recap_id))
        ids = getattr(data, "dossier_ids", None) or [getattr(data, "dossier_id", None)]
        named.update((event.office, d) for d in ids if d is not None)
    for office, recap_id in recaps:
        recap = await session.get(IntakeRecap, (office, recap_id))
        if recap is not None:
            named.update((office, d) for d in recap.dossier_id_list())
    found: dict[DossierKey, IntakeDossier | None] = dict.fromkeys(named)
    found.update(await _rows_of(session, named))
    return found


async def _rows_of(
    session: AsyncSession, keys: Collection[DossierKey]
) -> dict[DossierKey, IntakeDossier]:
    """The dossier rows of these keys that the read model has, in a query per office and
    500 of them."""
    found: dict[DossierKey, IntakeDossier] = {}
    for office in {office for office, _ in keys}:
        wanted = [d for o, d in keys if o == office]
        for chunk in chunks(wanted):
            query = select(IntakeDossier).where(
                IntakeDossier.office == office, col(IntakeDossier.dossier_id).in_(chunk)
            )
            found.update(((row.office, row.dossier_id), row) for row in await session.exec(query))
    return found
