"""A document the courier brought back, received into the office by the Kasubbag Umum: the
last step of its delivery, decided on that delivery as the log has it."""

from uuid import UUID

from services.courier import domain
from services.courier.commands.common import append_event, kept_changing, letter_carrying
from services.courier.config import Context
from services.courier.domain import Delivery, Outcome, delivery_stream, evolve_delivery
from services.courier.queries import DeliveryOutcomePublic
from shared.aggregate import Committed, committed, load_aggregate
from shared.commands import run_command
from shared.duties import DutyRule
from shared.identity import Officer


async def receive_return(
    context: Context, officer: Officer, dossier_id: UUID
) -> Committed[DeliveryOutcomePublic]:
    """The Kasubbag Umum receives a returned document back into the office."""
    separate = context.settings.separates_duties(officer.office, DutyRule.RECEIVE_OWN_RETURN)

    async def attempt() -> Committed[DeliveryOutcomePublic]:
        stream_id = delivery_stream(dossier_id)
        log = context.log_for(officer.office)
        delivery, version = await load_aggregate(log, stream_id, evolve_delivery, Delivery())
        if version == 0:
            await letter_carrying(context, officer.office, dossier_id)  # 404: nobody knows it
        received = domain.receive_return(
            delivery, dossier_id=dossier_id, by=officer.officer_id, separate_duties=separate
        )
        appended = await append_event(context, officer, stream_id, received, version)
        outcome = DeliveryOutcomePublic(
            dossier_id=dossier_id,
            letter_id=received.letter_id,
            delivery_status=Outcome.RECEIVED_BACK,
        )
        return committed(outcome, appended)

    return await run_command(attempt, busy=kept_changing(dossier_id))
