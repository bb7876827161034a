"""The read models of the reporting service and the one function that writes a page of
events into them. Live consumption and `jasa audit replay` both call `project_all`, so what
replay rebuilds is what live built, by construction. Every row carries its office (the
event's), the first part of its key: each office's cards and reports stand apart.

A page costs a few statements whatever its length: one query per table for the rows its
events refer to, the fold in memory (`services.reporting.folding`), then one bulk INSERT per
table for the rows it made and one bulk UPDATE per table for the rows it changed."""

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Select, Table, bindparam, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import Field, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from services.reporting.folding import Cards, Rows, dossiers_of_letters, referenced
from shared.bulk import insert_rows, update_rows
from shared.context import ServiceContext
from shared.db import add_missing_columns, chunks, table_of
from shared.events import (
    DocumentFlagged,
    DocumentRegistered,
    DossierCorrected,
    Envelope,
    FlagResolved,
    LetterRejected,
    RejectionAddressed,
    Returned,
)
from shared.personal_data import PersonalFields
from shared.privacy import ERASED


class ReportingDossier(SQLModel, table=True):
    """One file and where it is: the head of its control card."""

    __tablename__ = "reporting_dossier"
    office: str = Field(primary_key=True, max_length=8)
    dossier_id: str = Field(primary_key=True, max_length=36)
    document_type: str = Field(index=True, max_length=16)
    document_number: str = Field(max_length=64)
    nik: str = Field(max_length=32)
    name: str = Field(max_length=200)
    status: str = Field(index=True, max_length=20)
    registered_at: datetime = Field(index=True)  # every time stored here is UTC
    last_step_at: datetime
    recap_id: str | None = Field(default=None, max_length=36)
    letter_id: str | None = Field(default=None, max_length=36)
    letter_number: str | None = Field(default=None, max_length=64)
    delivered_at: datetime | None = None
    returned_seq: int | None = Field(default=None, index=True)
    returned_at: datetime | None = None
    returned_reason: str | None = Field(default=None, max_length=32)
    returned_note: str | None = None
    received_back_at: datetime | None = None


class ReportingStep(SQLModel, table=True):
    """One initialled line of a control card: who did which SOP step, and when."""

    __tablename__ = "reporting_step"
    office: str = Field(primary_key=True, max_length=8)
    dossier_id: str = Field(primary_key=True, max_length=36)
    seq: int = Field(primary_key=True, description="the event's number in the archive")
    sop_step: int = Field(index=True)
    event: str = Field(max_length=40)
    role: str = Field(max_length=20)
    officer_id: str = Field(index=True, max_length=64)
    officer_name: str = Field(max_length=200)
    at: datetime
    elapsed_seconds: float | None = None
    # Why, where the step has a why: a flag's or a return's reason, the fields a correction
    # changed; and the officer's words (a note, a rejection's reason, a redraft's fix).
    reason: str | None = Field(default=None, max_length=64)
    note: str | None = None


STEP_COLUMNS_ADDED = {"reason": "VARCHAR(64)", "note": "TEXT"}


async def add_step_columns(context: ServiceContext[Any]) -> None:
    """A database made before the steps said why (and letters said who signed them) gets
    the columns; older rows say nothing."""
    await add_missing_columns(context.engine, "reporting_step", STEP_COLUMNS_ADDED)
    await add_missing_columns(
        context.engine, "reporting_letter", {"signed_by_name": "TEXT", "signed_at": "TIMESTAMP"}
    )


class ReportingAttempt(SQLModel, table=True):
    """One failed delivery attempt: when, why, and the courier who made it."""

    __tablename__ = "reporting_attempt"
    office: str = Field(primary_key=True, max_length=8)
    dossier_id: str = Field(primary_key=True, max_length=36)
    attempt: int = Field(primary_key=True)
    reason: str = Field(max_length=32)
    note: str
    officer_id: str = Field(index=True, max_length=64)
    officer_name: str = Field(max_length=200)
    at: datetime = Field(index=True)


class ReportingTracking(SQLModel, table=True):
    """The citizen's tracking code of a dossier, for its public page; none once erased."""

    __tablename__ = "reporting_tracking"
    office: str = Field(primary_key=True, max_length=8)
    dossier_id: str = Field(primary_key=True, max_length=36)
    tracking_code: str | None = Field(default=None, index=True, max_length=16)


class ReportingRecap(SQLModel, table=True):
    __tablename__ = "reporting_recap"
    office: str = Field(primary_key=True, max_length=8)
    recap_id: str = Field(primary_key=True, max_length=36)
    document_type: str = Field(max_length=16)
    dossier_ids: str = Field(description="JSON list, in the recap's order")


class ReportingLetter(SQLModel, table=True):
    __tablename__ = "reporting_letter"
    office: str = Field(primary_key=True, max_length=8)
    letter_id: str = Field(primary_key=True, max_length=36)
    recap_id: str = Field(max_length=36)
    letter_number: str | None = Field(default=None, max_length=64)
    status: str = Field(max_length=20)
    # What the public verification of a printed letter shows: who signed it, and when.
    signed_by_name: str | None = Field(default=None, max_length=200)
    signed_at: datetime | None = None


# The personal data the read models hold: only these fields are revealed to fold a page
# (an applicant's NIK and name, and the officers' notes, on the card; not the address, phone
# or recipient's name).
PERSONAL_DATA_READ: PersonalFields = {
    DocumentRegistered: ("nik", "name", "document_number"),
    DossierCorrected: ("name", "note"),
    RejectionAddressed: ("fix",),
    DocumentFlagged: ("note",),
    FlagResolved: ("note",),
    Returned: ("note",),
    LetterRejected: ("reason",),
}

READ_MODELS: tuple[type[SQLModel], ...] = (
    ReportingDossier,
    ReportingStep,
    ReportingAttempt,
    ReportingTracking,
    ReportingRecap,
    ReportingLetter,
)


async def project_all(
    session: AsyncSession, office: str, events: Sequence[tuple[Envelope, int]]
) -> None:
    """Fold the events of `office` (each with its number in the archive), in order, into the
    read models, inside the session's transaction."""
    if not events:
        return
    connection = await session.connection()
    cards = Cards(office)
    dossier_ids, recap_ids, letter_ids = referenced(event for event, _ in events)
    await _load(connection, table_of(ReportingRecap), office, recap_ids, cards.recaps)
    await _load(connection, table_of(ReportingLetter), office, letter_ids, cards.letters)
    dossier_ids |= dossiers_of_letters((event for event, _ in events), cards.recaps)
    await _load(connection, table_of(ReportingDossier), office, dossier_ids, cards.dossiers)
    await _load(connection, table_of(ReportingTracking), office, dossier_ids, cards.tracking)
    for event, seq in events:
        cards.fold(event, seq)
    await _erase_notes(connection, office, cards.erased)
    for model, rows in (
        (ReportingDossier, cards.dossiers),
        (ReportingRecap, cards.recaps),
        (ReportingLetter, cards.letters),
        (ReportingTracking, cards.tracking),
    ):
        await insert_rows(connection, table_of(model), rows.new_rows())
        await update_rows(connection, table_of(model), rows.changed_rows())
    await insert_rows(connection, table_of(ReportingStep), cards.steps)
    await insert_rows(connection, table_of(ReportingAttempt), cards.attempts)


async def _erase_notes(connection: AsyncConnection, office: str, dossier_ids: set[str]) -> None:
    """The notes of the steps already on an erased person's card read erased (the page's
    own steps were erased as it was folded): a note may name the person."""
    steps = table_of(ReportingStep)
    for chunk in chunks(sorted(dossier_ids)):
        await connection.execute(
            steps.update()
            .where(steps.c.office == office, steps.c.dossier_id.in_(chunk))
            .where(steps.c.note.is_not(None), steps.c.note != "")
            .values(note=ERASED)
        )


def _id_column(table: Table) -> Column[str]:
    """The column after `office` in the table's key: the row's own id."""
    [column] = [c for c in table.primary_key.columns if c.name != "office"]
    return column


_BY_IDS: dict[Table, Select[Any]] = {}


def _by_ids(table: Table) -> Select[Any]:
    """The query for one office's rows of `table` by their ids, made once; the office and the
    ids are its parameters. A query made anew with the ids in it holds them in a reference
    cycle until the garbage collector comes by: a batch that collects seldom (replay) would
    keep every page's ids."""
    query = _BY_IDS.get(table)
    if query is None:
        query = _BY_IDS[table] = select(table).where(
            table.c.office == bindparam("office"),
            _id_column(table).in_(bindparam("ids", expanding=True)),
        )
    return query


async def _load(
    connection: AsyncConnection, table: Table, office: str, ids: Collection[str], into: Rows
) -> None:
    key = _id_column(table).name
    for chunk in chunks(sorted(ids)):
        found = await connection.execute(_by_ids(table), {"office": office, "ids": chunk})
        for row in found.mappings():
            into.load(row[key], dict(row))
