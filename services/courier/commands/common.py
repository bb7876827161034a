"""What the courier's use cases share: an officer's event appended at the version its
decision was read at, the signed letter that carries a document, and what a command says
when its document kept changing under it."""

from uuid import UUID

from sqlmodel import col, select

from services.courier.config import Context
from services.courier.projections import CourierDossier, CourierLetter
from shared.errors import Conflict, NotFound
from shared.events import Envelope, EventData, new_event
from shared.identity import Officer


async def append_event(
    context: Context,
    officer: Officer,
    stream_id: str,
    data: EventData,
    version: int,
) -> list[Envelope]:
    event = new_event(data, stream_id=stream_id, actor=officer.actor(), office=officer.office)
    log = context.log_for(officer.office)
    return await log.append(stream_id, [event], expected_version=version)


async def letter_carrying(context: Context, office: str, dossier_id: UUID) -> UUID:
    """The signed letter whose handover carries this document."""
    async with context.sessions() as session:
        dossier = await session.get(CourierDossier, (office, str(dossier_id)))
        if dossier is None or dossier.name is None:
            raise NotFound(f"there is no document {dossier_id} for the courier")
        letters = await session.exec(
            select(CourierLetter.letter_id).where(
                CourierLetter.office == office,
                CourierLetter.recap_id == dossier.recap_id,
                col(CourierLetter.signed).is_(True),
                col(CourierLetter.rejected).is_(False),
            )
        )
        letter_id = letters.first()
    if letter_id is None:
        raise Conflict(
            f"document {dossier_id} is not on a signed cover letter yet; "
            "there is nothing to hand over"
        )
    return UUID(letter_id)


def kept_changing(dossier_id: UUID) -> str:
    return f"document {dossier_id} kept changing at this very moment; try again"
