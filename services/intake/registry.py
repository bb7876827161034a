"""The population registry the FO checks every document against (SOP: "the officer always
checks the requested document in the database"). Loaded from a CSV file with
`jasa registry load`; a file is loaded whole or not at all. Each office has its own
registry: a document in one office's registry is unknown to every other office."""

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import Field, SQLModel, col

from services.intake.domain import RegistryEntry
from shared.db import session_factory
from shared.validation import DocumentNumber, Nik, PersonName
from shared.vocabulary import DocumentType

COLUMNS = ("document_number", "document_type", "nik", "name", "signed")
_TRUE = {"true", "yes", "y", "1", "ya", "t"}
_FALSE = {"false", "no", "n", "0", "tidak", "f"}
_nik = TypeAdapter(Nik)
_name = TypeAdapter(PersonName)
_number = TypeAdapter(DocumentNumber)


class IntakeRegistryEntry(SQLModel, table=True):
    __tablename__ = "intake_registry_entry"
    office: str = Field(primary_key=True, max_length=8)
    document_type: str = Field(primary_key=True, max_length=16)
    document_number: str = Field(primary_key=True, max_length=64, index=True)
    nik: str = Field(max_length=16)
    name: str = Field(max_length=100)
    signed: bool
    loaded_at: datetime


class RegistryFileError(Exception):
    """A file that cannot be loaded; `problems` name each bad line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class LoadSummary:
    added: int
    updated: int
    unchanged: int


def _first_error(error: ValidationError) -> str:
    return str(error.errors()[0]["msg"])


def _boolean(text: str) -> bool | None:
    value = text.strip().lower()
    return True if value in _TRUE else False if value in _FALSE else None


def parse_registry_csv(text: str) -> list[RegistryEntry]:
    """Every row of the file as an entry, or a `RegistryFileError` naming each bad line."""
    rows = list(csv.reader(io.StringIO(text), skipinitialspace=True))
    if not rows:
        raise RegistryFileError(
            ["line 1: the file is empty; expected a header " + ",".join(COLUMNS)]
        )
    header = [name.strip().lower() for name in rows[0]]
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        raise RegistryFileError([f"line 1: the header lacks the column(s) {', '.join(missing)}"])
    where = {name: header.index(name) for name in COLUMNS}
    entries: list[RegistryEntry] = []
    problems: list[str] = []
    seen: dict[tuple[DocumentType, str], int] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            problems.append(f"line {line}: expected {len(header)} columns, found {len(row)}")
            continue
        entry, problem = _parse_row({name: row[i] for name, i in where.items()})
        if problem:
            problems.append(f"line {line}: {problem}")
            continue
        assert entry is not None
        key = (entry.document_type, entry.document_number)
        if key in seen:
            problems.append(
                f"line {line}: {key[0].value} {key[1]} was already given on line {seen[key]}"
            )
            continue
        seen[key] = line
        entries.append(entry)
    if problems:
        raise RegistryFileError(problems)
    return entries


def _parse_row(cells: dict[str, str]) -> tuple[RegistryEntry | None, str | None]:
    try:
        document_type = DocumentType(cells["document_type"].strip().upper())
    except ValueError:
        kinds = ", ".join(kind.value for kind in DocumentType)
        return None, f"document_type {cells['document_type']!r} is not one of {kinds}"
    signed = _boolean(cells["signed"])
    if signed is None:
        return None, f"signed {cells['signed']!r} is not true/false (yes/no, 1/0)"
    try:
        number = _number.validate_python(cells["document_number"])
    except ValidationError as error:
        return None, f"document_number: {_first_error(error)}"
    try:
        nik = _nik.validate_python(cells["nik"])
    except ValidationError as error:
        return None, f"nik: {_first_error(error)}"
    try:
        name = _name.validate_python(cells["name"])
    except ValidationError as error:
        return None, f"name: {_first_error(error)}"
    return RegistryEntry(document_type, number, nik, name, signed), None


async def load_registry(
    engine: AsyncEngine, entries: list[RegistryEntry], *, office: str
) -> LoadSummary:
    """Add new documents and update known ones (by type and number) to one office's registry,
    in one transaction."""
    added = updated = unchanged = 0
    now = datetime.now(UTC)
    async with session_factory(engine)() as session, session.begin():
        for entry in entries:
            row = await session.get(
                IntakeRegistryEntry, (office, entry.document_type.value, entry.document_number)
            )
            if row is None:
                session.add(
                    IntakeRegistryEntry(
                        office=office,
                        document_type=entry.document_type.value,
                        document_number=entry.document_number,
                        nik=entry.nik,
                        name=entry.name,
                        signed=entry.signed,
                        loaded_at=now,
                    )
                )
                added += 1
            elif (row.nik, row.name, row.signed) == (entry.nik, entry.name, entry.signed):
                unchanged += 1
            else:
                row.nik, row.name, row.signed, row.loaded_at = (
                    entry.nik,
                    entry.name,
                    entry.signed,
                    now,
                )
                updated += 1
    return LoadSummary(added, updated, unchanged)


# Made once: it is the same statement for every registration, only its parameters change.
ENTRY_COLUMNS = (
    col(IntakeRegistryEntry.document_type),
    col(IntakeRegistryEntry.document_number),
    col(IntakeRegistryEntry.nik),
    col(IntakeRegistryEntry.name),
    col(IntakeRegistryEntry.signed),
)
UNDER_NUMBER = (col(IntakeRegistryEntry.office) == bindparam("office")) & (
    col(IntakeRegistryEntry.document_number) == bindparam("document_number")
)
ENTRIES_UNDER_NUMBER = select(*ENTRY_COLUMNS).where(UNDER_NUMBER)


async def registry_entries_for(
    engine: AsyncEngine, office: str, document_number: str
) -> list[RegistryEntry]:
    """What one office's registry holds under one document number (of any type)."""
    parameters = {"office": office, "document_number": document_number}
    async with engine.connect() as connection:
        rows = (await connection.execute(ENTRIES_UNDER_NUMBER, parameters)).all()
    return [registry_entry(*row) for row in rows]


def registry_entry(kind: str, number: str, nik: str, name: str, signed: bool) -> RegistryEntry:
    """An entry from its ENTRY_COLUMNS."""
    return RegistryEntry(DocumentType(kind), number, nik, name, signed)
