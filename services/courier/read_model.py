"""The courier's read model: SQL tables the projection keeps and the queries read.

It holds what the third party may know of each dossier, never the NIK. Every row carries
its office, part of its key: one office's courier never sees another's documents."""

from datetime import datetime

from sqlalchemy import BigInteger, DateTime
from sqlmodel import Field, SQLModel

from services.courier.domain import Outcome


class CourierDossier(SQLModel, table=True):
    """One document as the courier sees it: delivery data, and what became of it."""

    __tablename__ = "courier_dossier"
    office: str = Field(primary_key=True, max_length=8)
    dossier_id: str = Field(primary_key=True, max_length=36)
    name: str | None = None  # None until its DocumentRegistered is projected
    address: str | None = None
    phone: str | None = None
    document_type: str | None = None
    document_number: str | None = None
    recap_id: str | None = Field(default=None, index=True, max_length=36)
    outcome: str = Field(default=Outcome.WITH_COURIER.value, max_length=20)
    letter_id: str | None = Field(default=None, max_length=36)  # once delivered or returned
    recipient_name: str | None = None
    relationship: str | None = None
    return_reason: str | None = None
    note: str | None = None
    returned_order: int | None = Field(default=None, index=True, sa_type=BigInteger)
    returned_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    received_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class CourierRecap(SQLModel, table=True):
    __tablename__ = "courier_recap"
    office: str = Field(primary_key=True, max_length=8)
    recap_id: str = Field(primary_key=True, max_length=36)
    document_type: str
    dossier_ids: str  # JSON list, in the recap's order


class CourierLetter(SQLModel, table=True):
    __tablename__ = "courier_letter"
    office: str = Field(primary_key=True, max_length=8)
    letter_id: str = Field(primary_key=True, max_length=36)
    letter_number: str
    recap_id: str = Field(index=True, max_length=36)
    signed: bool = False
    rejected: bool = False
    accepted: bool = False
    ready_order: int | None = Field(
        default=None, index=True, sa_type=BigInteger
    )  # the LetterSigned position
    accepted_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
