"""What a registration asks the read model before it decides: the population registry's
entries under the document's number, and a dossier of the document still in flight."""

import uuid

from sqlalchemy import bindparam, select, true
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col

from services.intake.domain import RegistryEntry
from services.intake.projections import IntakeDossier
from services.intake.registry import (
    ENTRY_COLUMNS,
    UNDER_NUMBER,
    IntakeRegistryEntry,
    registry_entry,
)
from shared.vocabulary import DocumentType, DossierStatus

_UNFINISHED = (
    select(col(IntakeDossier.dossier_id), col(IntakeDossier.status))
    .where(col(IntakeDossier.office) == bindparam("office"))
    .where(col(IntakeDossier.document_type) == bindparam("document_type"))
    .where(col(IntakeDossier.document_number) == bindparam("document_number"))
    .where(
        col(IntakeDossier.status).not_in(
            [DossierStatus.DELIVERED.value, DossierStatus.RECEIVED_BACK.value]
        )
    )
    .limit(1)
    .subquery("unfinished")
)
# Both answers in one statement, made once: on SQLite each statement costs four hand-offs to
# the database's thread, which weighed more than the queries themselves.
_REGISTRATION_FACTS = (
    select(*ENTRY_COLUMNS, _UNFINISHED.c.dossier_id, _UNFINISHED.c.status)
    .outerjoin_from(IntakeRegistryEntry, _UNFINISHED, true())
    .where(UNDER_NUMBER)
)


async def registration_facts(
    connection: AsyncConnection, office: str, document_type: DocumentType, document_number: str
) -> tuple[list[RegistryEntry], tuple[uuid.UUID, DossierStatus] | None]:
    """What the registry holds under the document's number, and a dossier of the document
    the read model shows not yet delivered or received back, asked on every registration.
    Where the registry holds nothing, no dossier either: such a registration is refused."""
    parameters = {
        "office": office,
        "document_type": document_type.value,
        "document_number": document_number,
    }
    rows = (await connection.execute(_REGISTRATION_FACTS, parameters)).all()
    entries = [registry_entry(*row[: len(ENTRY_COLUMNS)]) for row in rows]
    if not rows or rows[0].dossier_id is None:
        return entries, None
    return entries, (rows[0].dossier_id, DossierStatus(rows[0].status))
