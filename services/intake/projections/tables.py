"""Intake's read model: every dossier of the offices served with its place in the
lifecycle, every recap, and each dossier's control card (its steps)."""

import uuid
from datetime import datetime

import orjson
from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from shared.store import position_key

PROJECTION = "intake"


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
    tracking_code: str | None = Field(default=None, max_length=16)
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
    # Its place in its type's recap book (the event's version there): what numbers it.
    book_version: int | None = None

    def dossier_id_list(self) -> list[uuid.UUID]:
        return [uuid.UUID(value) for value in orjson.loads(self.dossier_ids)]


class IntakeStep(SQLModel, table=True):
    """One step of a dossier's way, as its control card shows it: what happened, who did it
    (the paraf), when. No personal data: a delivery's recipient is not kept here."""

    __tablename__ = "intake_step"
    office: str = Field(primary_key=True, max_length=8)
    dossier_id: uuid.UUID = Field(primary_key=True)
    position: str = Field(primary_key=True, max_length=40)
    event: str = Field(max_length=40)
    officer_id: str = Field(max_length=64)
    officer_name: str = Field(max_length=100)
    role: str = Field(max_length=16)
    at: datetime
    reason: str | None = Field(default=None, max_length=500)
    note: str | None = Field(default=None, max_length=500)
    letter_number: str | None = Field(default=None, max_length=80)
