"""A small real projection (a SQLite file, or any database by its URL) for proving the
consumer runtime's guarantees: each event it sees becomes one row, applied once, in the
same transaction as its position."""

import asyncio
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Field, SQLModel, select

from shared.claims import claim_position, claim_positions
from shared.db import create_tables, make_engine, session_factory
from shared.events import Envelope


class SeenEvent(SQLModel, table=True):
    __tablename__ = "test_seen_event"
    position: str = Field(primary_key=True)
    event_type: str
    note: str = ""


class SampleProjection:
    def __init__(
        self,
        database: Path | str,
        *,
        hang_on_note: str | None = None,
        fail_on_note: str | None = None,
        reading_marker: Path | None = None,
    ) -> None:
        url = f"sqlite:///{database}" if isinstance(database, Path) else database
        self.engine = make_engine(url)
        self.sessions = session_factory(self.engine)
        self.hang_on_note, self.fail_on_note = hang_on_note, fail_on_note
        self.reading_marker = reading_marker
        self.pages: list[int] = []  # the size of each page `apply_page` was given

    async def setup(self) -> None:
        await create_tables(self.engine)

    async def handle(self, event: Envelope) -> None:
        note = str(getattr(event.data, "note", ""))
        if note == self.fail_on_note:
            raise RuntimeError(f"cannot apply the event noted {note!r}")
        async with self.sessions() as session, session.begin():
            if not await claim_position(session, "sample", event.position or ""):
                return
            session.add(SeenEvent(position=event.position or "", event_type=event.type, note=note))
            if note == self.hang_on_note:
                if self.reading_marker is not None:
                    self.reading_marker.write_text(event.position or "")
                await asyncio.Event().wait()  # read, not committed, never acknowledged

    async def apply_page(self, events: Sequence[Envelope]) -> None:
        """The page in one transaction; a poison note anywhere fails all of it."""
        self.pages.append(len(events))
        async with self.sessions() as session, session.begin():
            fresh = await claim_positions(session, "sample", [e.position or "" for e in events])
            for event in events:
                note = str(getattr(event.data, "note", ""))
                if note == self.fail_on_note:
                    raise RuntimeError(f"cannot apply the event noted {note!r}")
                if event.position in fresh:
                    session.add(
                        SeenEvent(position=event.position or "", event_type=event.type, note=note)
                    )

    async def rows(self) -> list[SeenEvent]:
        async with self.sessions() as session:
            return list((await session.exec(select(SeenEvent))).all())

    async def count(self) -> int:
        async with self.sessions() as session:
            return int((await session.exec(select(func.count()).select_from(SeenEvent))).one())

    async def close(self) -> None:
        await self.engine.dispose()
