"""A control card shows one moment of its file: when the archivist commits the next step
while a card is being read, the card never shows a status its steps do not."""

import asyncio
import threading
from typing import Any

from redis.asyncio import Redis
from sqlalchemy import event as sa_event

from services.reporting.archivist import Archivist
from services.reporting.config import ReportingSettings
from services.reporting.queries import control_card_for
from shared.db import make_engine, session_factory
from shared.events import Envelope
from shared.keys import Keys
from shared.log import EventLog
from tests.integration.reporting.conftest import Reporting
from tests.sop_history import Office

STANDARDS = dict.fromkeys(range(1, 6), 60)


def archive_in_another_process(redis_url: str, keys: Keys, event: Envelope) -> None:
    """The archivist of another reporting process (own loop, engine and Redis client)
    archives `event` and commits, while this one waits."""

    async def archive() -> None:
        redis = Redis.from_url(redis_url)
        engine = make_engine(ReportingSettings().resolved_database_url())
        try:
            await Archivist(EventLog(redis, keys), session_factory(engine), None)(event)
        finally:
            await engine.dispose()
            await redis.aclose()

    other = threading.Thread(target=asyncio.run, args=(archive(),))
    other.start()
    other.join()


async def test_a_card_read_while_the_next_step_is_committed_shows_one_moment(
    reporting: Reporting, office: Office, redis_url: str, keys: Keys
) -> None:
    dossier = await office.register()
    letter = await office.draft(await office.recap([dossier]))
    await reporting.handle_all(office)  # the archive catches up to the end of the log
    await office.reject(letter)
    rejection = office.appended[-1]
    interrupted: list[str] = []

    def meanwhile(*_: Any) -> None:
        """Right after the card's first statement, the rejection is committed elsewhere."""
        if not interrupted:
            interrupted.append("once")
            archive_in_another_process(redis_url, keys, rejection)

    sa_event.listen(reporting.engine.sync_engine, "after_cursor_execute", meanwhile)
    try:
        async with reporting.sessions() as session:
            card = await control_card_for(
                session, "1471", str(dossier), STANDARDS, reveal_nik=False
            )
    finally:
        sa_event.remove(reporting.engine.sync_engine, "after_cursor_execute", meanwhile)

    assert interrupted
    assert (card.status, card.steps[-1].event) == ("LETTER_DRAFTED", "LetterDrafted")
    async with reporting.sessions() as session:
        card = await control_card_for(session, "1471", str(dossier), STANDARDS, reveal_nik=False)
    assert (card.status, card.steps[-1].event) == ("RECAPPED", "LetterRejected")
