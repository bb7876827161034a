"""What the courier service consumes, and the handler its consumer runs: it keeps the read
model, adds each handover to the courier feed once its letter is signed and its whole
manifest is known, puts the citizen's messages into the outbox (`notifications`), and makes
the webhook messages the third party is owed (`webhooks`)."""

from services.courier.config import Context
from services.courier.feed import CourierFeed
from services.courier.notifications import enqueue_notification
from services.courier.projections import CONSUMED, PROJECTION, apply_event
from services.courier.queries import ready_manifest
from services.courier.webhooks import Announcer, office_webhooks
from shared.claims import claim_position, projection_of
from shared.consumer import Handler
from shared.events import Envelope

# What the service consumes is what its read model is changed by: the feed, the messages and
# the webhooks follow from those same events.
__all__ = ["CONSUMED", "projection"]


def projection(context: Context) -> Handler:
    """The consumer's handler: apply each event once, feed what became ready, and announce
    it to the webhook endpoints."""
    feeds = {
        office: CourierFeed(context.redis, context.keys_for(office)) for office in context.offices
    }
    announcers = {office: Announcer(hooks) for office, hooks in office_webhooks(context).items()}

    async def handle(event: Envelope) -> None:
        # The consumer hands over only its own office's events.
        feed, announcer = feeds[event.office], announcers[event.office]
        async with context.sessions() as session:
            claimed = projection_of(PROJECTION, event.office)
            if not await claim_position(session, claimed, event.position or ""):
                return
            candidates = await apply_event(session, event)
            await enqueue_notification(session, event)
            await session.flush()
            # The feed entry and the webhook messages go out before the commit: if the
            # commit then fails, the event is handled again and their own marks (once per
            # letter, once per event and endpoint) drop the copy.
            for letter_id in sorted(candidates):
                manifest = await ready_manifest(session, event.office, letter_id)
                if manifest is not None:
                    await feed.publish(letter_id, manifest)
                    await announcer.handover_ready(event, manifest)
            await announcer.announce(session, event)
            await session.commit()

    return handle
