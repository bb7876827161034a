"""Intake's blind index: how an officer finds a dossier by NIK, name or document number
without the read model holding a searchable copy of them.

Each dossier has one row per keyed digest (`shared.blind_index`): of its NIK, of its
document number, of each word of its name. A search hashes what the officer typed the same
way and looks the digests up. The rows follow the log with the dossier: made at its
registration, replaced when a correction changes those fields, deleted when its personal
data is erased, so an erased person can no longer be found."""

import uuid

from sqlalchemy import Index, delete
from sqlmodel import Field, SQLModel, col
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.blind_index import BlindIndex, IndexKind


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
    # Each digest once: a name may repeat a word.
    rows = {digest: kind for kind, values in digests.items() for digest in values}
    session.add_all(
        IntakeSearchEntry(office=office, digest=digest, dossier_id=dossier_id, kind=kind.value)
        for digest, kind in rows.items()
    )


async def forget_dossier(session: AsyncSession, office: str, dossier_id: uuid.UUID) -> None:
    """Erasure: the dossier can no longer be found by anything that was the person's."""
    await session.exec(  # type: ignore[call-overload]
        delete(IntakeSearchEntry).where(
            col(IntakeSearchEntry.office) == office,
            col(IntakeSearchEntry.dossier_id) == dossier_id,
        )
    )
