"""Read models written by an older intake brought up to date as the service starts: the
position columns a row's parts are ordered by, and the search index of dossiers registered
before it existed."""

from sqlalchemy import exists, inspect, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from services.intake.config import Context
from services.intake.projections.tables import (
    IntakeDossier,
)
from services.intake.search import (
    IntakeSearchEntry,
    digests_of,
    index_dossier,
)
from shared.db import add_missing_columns
from shared.privacy import ERASED

POSITION_COLUMNS = ("flag_position", "recap_position", "letter_position")


async def add_position_columns(context: Context) -> None:
    """A database made before these columns existed gets them (rows keep what they show;
    later events move each part as usual). `create_tables` adds tables, never columns."""
    async with context.engine.begin() as connection:
        present = await connection.run_sync(
            lambda sync: {c["name"] for c in inspect(sync).get_columns("intake_dossier")}
        )
        for name in POSITION_COLUMNS:
            if name not in present:
                await connection.execute(
                    text(
                        f"ALTER TABLE intake_dossier ADD COLUMN {name} "
                        "VARCHAR(40) NOT NULL DEFAULT '0-0'"
                    )
                )
    # Dossiers registered before tracking codes existed have none.
    await add_missing_columns(context.engine, "intake_dossier", {"tracking_code": "VARCHAR(16)"})
    await add_missing_columns(context.engine, "intake_recap", {"book_version": "INTEGER"})


async def index_dossiers_not_indexed(context: Context) -> None:
    """Dossiers registered before the search index existed get their digests, from the read
    model (which holds their data; an erased one has nothing left to find)."""
    indexed = exists().where(
        col(IntakeSearchEntry.office) == col(IntakeDossier.office),
        col(IntakeSearchEntry.dossier_id) == col(IntakeDossier.dossier_id),
    )
    query = select(IntakeDossier.office, IntakeDossier.dossier_id, IntakeDossier.nik).where(
        ~indexed, IntakeDossier.nik != ERASED
    )
    details = select(IntakeDossier.name, IntakeDossier.document_number)
    for _ in range(3):
        try:
            async with context.sessions() as session, session.begin():
                for office, dossier_id, nik in (await session.exec(query)).all():
                    of_it = details.where(
                        IntakeDossier.office == office, IntakeDossier.dossier_id == dossier_id
                    )
                    name, number = (await session.exec(of_it)).one()
                    digests = digests_of(
                        context.blind_index, office, nik=nik, name=name, number=number
                    )
                    await index_dossier(session, office, dossier_id, digests, new=True)
            return
        except IntegrityError:
            continue  # another worker, or the consumer, indexed some of them first: again
