"""Intake's blind index: how an officer finds a dossier by NIK, name or document number
without the read model holding a searchable copy of them.

Each dossier has one row per keyed digest (`shared.blind_index`): of its NIK, of its
document number, of each word of its name. A search hashes what the officer typed the same
way and looks the digests up. The rows follow the log with the dossier: made at its
registration, replaced when a correction changes those fields, deleted when its personal
data is erased, so an erased person can no longer be found."""

import re
import uuid
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Index, and_, delete, exists, or_
from sqlalchemy.orm import Mapped
from sqlmodel import Field, SQLModel, col
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.blind_index import BlindIndex, IndexKind, normalised_number
from shared.bulk import Row, insert_rows
from shared.db import table_of
from shared.errors import Unprocessable


class IntakeSearchEntry(SQLModel, table=True):
    __tablename__ = "intake_search"
    # A dossier's own rows, for a correction or an erasure to replace or delete them.
    __table_args__ = (Index("ix_intake_search_dossier", "office", "dossier_id"),)
    office: str = Field(primary_key=True, max_length=8)
    digest: str = Field(primary_key=True, max_length=64)
    dossier_id: uuid.UUID = Field(primary_key=True)
    kind: str = Field(max_length=16)


def digests_of(
    index: BlindIndex, office: str, *, nik: str | None, name: str | None, number: str | None
) -> dict[IndexKind, list[str]]:
    """The digests of the fields given (None: that field is left as it is)."""
    found: dict[IndexKind, list[str]] = {}
    if nik is not None:
        found[IndexKind.NIK] = [index.nik(office, nik)]
    if number is not None:
        found[IndexKind.DOCUMENT_NUMBER] = [index.document_number(office, number)]
    if name is not None:
        found[IndexKind.NAME_WORD] = index.name(office, name)
    return found


def search_rows(
    office: str, dossier_id: uuid.UUID, digests: dict[IndexKind, list[str]]
) -> list[Row]:
    """A dossier's rows of the index, each digest once (a name may repeat a word)."""
    kinds = {digest: kind for kind, values in digests.items() for digest in values}
    return [
        {"office": office, "digest": digest, "dossier_id": dossier_id, "kind": kind.value}
        for digest, kind in kinds.items()
    ]


async def index_dossier(
    session: AsyncSession,
    office: str,
    dossier_id: uuid.UUID,
    digests: dict[IndexKind, list[str]],
    *,
    new: bool = False,
) -> None:
    """Put a dossier's digests of the kinds given in place of the ones it had (a `new`
    dossier had none: nothing to delete, no query)."""
    if not digests:
        return
    if not new:
        await session.exec(  # type: ignore[call-overload]
            delete(IntakeSearchEntry).where(
                col(IntakeSearchEntry.office) == office,
                col(IntakeSearchEntry.dossier_id) == dossier_id,
                col(IntakeSearchEntry.kind).in_([kind.value for kind in digests]),
            )
        )
    rows = search_rows(office, dossier_id, digests)
    await insert_rows(await session.connection(), table_of(IntakeSearchEntry), rows)


async def forget_dossier(session: AsyncSession, office: str, dossier_id: uuid.UUID) -> None:
    """Erasure: the dossier can no longer be found by anything that was the person's."""
    await session.exec(  # type: ignore[call-overload]
        delete(IntakeSearchEntry).where(
            col(IntakeSearchEntry.office) == office,
            col(IntakeSearchEntry.dossier_id) == dossier_id,
        )
    )


# --- searching -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SearchTerms:
    """What an officer searches by, as digests: a dossier matches when it has every digest
    of `every`, and, given `any_of`, every digest of at least one of its alternatives."""

    every: tuple[str, ...] = ()
    any_of: tuple[tuple[str, ...], ...] = ()


SEARCH_MAX = 100


def search_terms(
    index: BlindIndex,
    office: str,
    *,
    q: str | None = None,
    nik: str | None = None,
    name: str | None = None,
    document_number: str | None = None,
) -> SearchTerms | None:
    """The digests of what was typed (None: nothing to search by). `q` is any one of a NIK,
    a document number or words of a name; the named fields must all match. Names match by
    whole words, in any order and case (`rahma siti` finds Siti Rahma)."""
    given = {"q": q, "nik": nik, "name": name, "document_number": document_number}
    for field, value in given.items():
        if value is not None and len(value) > SEARCH_MAX:
            raise Unprocessable.field(field, f"search by at most {SEARCH_MAX} characters")
    every: list[str] = []
    if nik is not None and nik.strip():
        if not re.fullmatch(r"\d{16}", normalised_number(nik)):
            raise Unprocessable.field("nik", "a NIK is 16 digits")
        every.append(index.nik(office, nik))
    if document_number is not None and normalised_number(document_number):
        every.append(index.document_number(office, document_number))
    if name is not None and name.strip():
        words = index.name(office, name)
        if not words:
            raise Unprocessable.field("name", "give at least one word of the name")
        every += words
    any_of: list[tuple[str, ...]] = []
    if q is not None and q.strip():
        any_of.append((index.document_number(office, q),))
        if re.fullmatch(r"\d{16}", normalised_number(q)):
            any_of.append((index.nik(office, q),))
        if words := index.name(office, q):
            any_of.append(tuple(words))
    if not every and not any_of:
        return None
    return SearchTerms(tuple(every), tuple(any_of))


def _has(office: str, digest: str, dossier_id: Mapped[uuid.UUID]) -> ColumnElement[bool]:
    return exists().where(
        col(IntakeSearchEntry.office) == office,
        col(IntakeSearchEntry.digest) == digest,
        col(IntakeSearchEntry.dossier_id) == dossier_id,
    )


def matching(
    office: str, terms: SearchTerms, dossier_id: Mapped[uuid.UUID]
) -> list[ColumnElement[bool]]:
    """The conditions a query of dossiers (whose id is `dossier_id`) adds to find `terms`."""
    conditions = [_has(office, digest, dossier_id) for digest in terms.every]
    if terms.any_of:
        alternatives = (
            and_(*(_has(office, d, dossier_id) for d in alternative))
            for alternative in terms.any_of
        )
        conditions.append(or_(*alternatives))
    return conditions
