"""Intake's read model: every dossier of the offices served with its place in the
lifecycle, and every recap; the tables and the questions the desk asks of them.
`services.intake.projections` keeps them up to date from the log."""

import uuid
from datetime import datetime

import orjson
from sqlalchemy import UniqueConstraint, inspect, text
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.intake.config import Context
from shared.db import keyset_page, position_key
from shared.vocabulary import DossierStatus


def sort_key(position: str) -> str:
    """A log position that sorts as text: the order of registration for paging."""
    milliseconds, sequence = position_key(position)
    return f"{milliseconds:015d}-{sequence:08d}"


class IntakeDossier(SQLModel, table=True):
    __tablename__ = "intake_dossier"
    __table_args__ = (UniqueConstraint("office", "sort_key"),)
    office: str = Field(primary_key=True, max_length=8)
    dossier_id: uuid.UUID = Field(primary_key=True)
    sort_key: str = Field(index=True, max_length=32)
    nik: str = Field(max_length=16)
    name: str = Field(max_length=100)
    address: str = Field(max_length=300)
    phone: str = Field(max_length=20)
    document_type: str = Field(index=True, max_length=16)
    document_number: str = Field(index=True, max_length=64)
    status: str = Field(index=True, max_length=16)
    status_position: str = Field(max_length=40)
    flag_reason: str | None = Field(default=None, max_length=32)
    flag_note: str | None = Field(default=None, max_length=500)
    flag_position: str = Field(default="0-0", max_length=40)
    recap_id: uuid.UUID | None = Field(default=None, index=True)
    recap_position: str = Field(default="0-0", max_length=40)
    letter_id: uuid.UUID | None = None
    letter_number: str | None = Field(default=None, max_length=80)
    letter_position: str = Field(default="0-0", max_length=40)
    registered_at: datetime
    registered_by_id: str = Field(max_length=64)
    registered_by_name: str = Field(max_length=100)
    updated_at: datetime


class IntakeRecap(SQLModel, table=True):
    __tablename__ = "intake_recap"
    office: str = Field(primary_key=True, max_length=8)
    recap_id: uuid.UUID = Field(primary_key=True)
    document_type: str = Field(max_length=16)
    dossier_ids: str = Field(description="JSON list of dossier ids, in recap order")
    compiled_at: datetime
    compiled_by_id: str = Field(max_length=64)
    compiled_by_name: str = Field(max_length=100)

    def dossier_id_list(self) -> list[uuid.UUID]:
        return [uuid.UUID(value) for value in orjson.loads(self.dossier_ids)]


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


async def dossiers_page(
    session: AsyncSession,
    *,
    office: str,
    status: DossierStatus | None,
    document_type: str | None,
    after: str | None,
    limit: int,
) -> tuple[list[IntakeDossier], bool]:
    """A page of one office's dossiers in registration order, and whether more follow."""
    query = select(IntakeDossier).where(IntakeDossier.office == office)
    if status is not None:
        query = query.where(IntakeDossier.status == status.value)
    if document_type is not None:
        query = query.where(IntakeDossier.document_type == document_type)
    return await keyset_page(session, query, col(IntakeDossier.sort_key), after, limit)


async def waiting_dossier_ids(
    session: AsyncSession, office: str, document_type: str
) -> list[uuid.UUID]:
    """Dossiers of one office the read model shows as registered and waiting, oldest first."""
    query = (
        select(IntakeDossier.dossier_id)
        .where(IntakeDossier.office == office)
        .where(IntakeDossier.document_type == document_type)
        .where(IntakeDossier.status == DossierStatus.REGISTERED.value)
        .order_by(IntakeDossier.sort_key)  # type: ignore[arg-type]
    )
    return list(await session.exec(query))


async def dossier_row(
    session: AsyncSession, office: str, dossier_id: uuid.UUID
) -> IntakeDossier | None:
    """One dossier of one office, or None (another office's dossier is not there for it)."""
    return await session.get(IntakeDossier, (office, dossier_id))


async def recap_row(session: AsyncSession, office: str, recap_id: uuid.UUID) -> IntakeRecap | None:
    return await session.get(IntakeRecap, (office, recap_id))
