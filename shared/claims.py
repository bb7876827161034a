"""Which events each projection has applied, kept in the projection's own database and
written in the same transaction as the change an event makes: a redelivered event finds its
position claimed and changes nothing (exactly-once projections over at-least-once delivery)."""

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import bindparam
from sqlmodel import Field, SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.bulk import insert_rows, update_rows
from shared.db import chunks, table_of
from shared.events import Envelope
from shared.store import position_key


class AppliedEvent(SQLModel, table=True):
    """An event a projection has applied; written in the same transaction as its effect."""

    __tablename__ = "applied_event"
    projection: str = Field(primary_key=True, max_length=64)
    position: str = Field(primary_key=True, max_length=40)


class ProjectionCheckpoint(SQLModel, table=True):
    """The last log position a projection applied, for progress and catching up."""

    __tablename__ = "projection_checkpoint"
    projection: str = Field(primary_key=True, max_length=64)
    position: str = Field(max_length=40)
    updated_at: datetime


def projection_of(name: str, office: str) -> str:
    """A projection's bookkeeping name for one office: positions of two offices' logs may
    coincide, so each office's applied positions are kept apart."""
    return f"{name}:{office}"


async def claim_position(session: AsyncSession, projection: str, position: str) -> bool:
    """Mark `position` applied by `projection` inside the caller's transaction.

    False when it was applied before: the caller skips it, so a redelivered event never
    doubles a row. A concurrent duplicate fails on the primary key instead."""
    return bool(await claim_positions(session, projection, [position]))


# Core statements made once, on the session's connection: every page of every projection
# claims its events, and through the ORM (query built per call, unit of work at flush) a
# claim cost more CPU than the page's own change.
_APPLIED = table_of(AppliedEvent)
_CHECKPOINTS = table_of(ProjectionCheckpoint)
_ALREADY_APPLIED = select(_APPLIED.c.position).where(
    _APPLIED.c.projection == bindparam("projection"),
    _APPLIED.c.position.in_(bindparam("positions", expanding=True)),
)
_CHECKPOINT_POSITION = select(_CHECKPOINTS.c.position).where(
    _CHECKPOINTS.c.projection == bindparam("projection")
)


async def claim_positions(
    session: AsyncSession, projection: str, positions: Sequence[str]
) -> set[str]:
    """`claim_position` for a page of events at once, in a few statements: the positions
    not applied before, now marked applied inside the caller's transaction."""
    wanted = list(dict.fromkeys(positions))
    if not wanted:
        return set()
    connection = await session.connection()
    current = (await connection.execute(_CHECKPOINT_POSITION, {"projection": projection})).scalar()
    applied: set[str] = set()
    # The checkpoint is the latest position ever claimed: a page wholly after it (the usual
    # page, fresh from the log) has nothing applied before, and is not looked up.
    if current is not None and min(position_key(p) for p in wanted) <= position_key(current):
        for chunk in chunks(wanted):
            found = await connection.execute(
                _ALREADY_APPLIED, {"projection": projection, "positions": list(chunk)}
            )
            applied.update(found.scalars())
    fresh = [position for position in wanted if position not in applied]
    if not fresh:
        return set()
    claimed = [{"projection": projection, "position": position} for position in fresh]
    await insert_rows(connection, _APPLIED, claimed)
    latest = max(fresh, key=position_key)
    checkpoint = {"projection": projection, "position": latest, "updated_at": datetime.now(UTC)}
    if current is None:
        await insert_rows(connection, _CHECKPOINTS, [checkpoint])
    elif position_key(latest) > position_key(current):
        await update_rows(connection, _CHECKPOINTS, [checkpoint])
    return set(fresh)


async def claim_page(
    session: AsyncSession, name: str, events: Sequence[Envelope]
) -> list[Envelope]:
    """The events of a page that projection `name` has not applied before, in page order,
    now claimed inside the caller's transaction (each under its office's bookkeeping)."""
    fresh: set[tuple[str, str]] = set()
    for office in dict.fromkeys(event.office for event in events):
        positions = [event.position or "" for event in events if event.office == office]
        claimed = await claim_positions(session, projection_of(name, office), positions)
        fresh.update((office, position) for position in claimed)
    return [event for event in events if (event.office, event.position or "") in fresh]


async def last_position(session: AsyncSession, projection: str) -> str | None:
    checkpoint = await session.get(ProjectionCheckpoint, projection)
    return checkpoint.position if checkpoint else None
