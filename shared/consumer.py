"""The consumer runtime: one FastStream consumer group per service on the office log.

Two FastStream subscribers share the group: one reads new events (XREADGROUP `>`), the
other claims events another consumer left pending for longer than `claim_idle_ms`
(XAUTOCLAIM, one at a time; for a `PageHandler` the others idle as long follow a page at a
time), since FastStream's `min_idle_time` subscriber reads only the pending list. Both are
typed: FastStream's decoder hook turns the entries read into `Envelope`s, and the message
is acknowledged through FastStream (`message.ack()`) only after the handler returned (its
effect committed). A handler that can apply a page of events at once (`PageHandler`: one
transaction) is given each page read; if the page fails, its events are handled one by
one, so that only the failing one stays behind. A
failing event stays pending and is tried again; after `max_deliveries` it goes to the
group's dead-letter stream with its error, and the consumer goes on. An event that cannot
be decoded at all, or that names another office than the log's (projections key their
rows by the event's office), is dead-lettered at once. When the group or the stream
disappears (`NOGROUP`, e.g. Redis restarted empty), FastStream stops the subscriber; a
watchdog recreates the group from the start of the log and starts it again: projections
skip what they already applied.

A failure because the service's database cannot be reached (`database_unreachable`: down,
its connections cut) says nothing about the event: an outage delays, it loses nothing. The
event (the page, and what was read with it but not tried yet) stays pending and the
delivery is given back (`shared.deliveries`): only failures that reached the database
count toward dead-lettering, however long the outage (`outage_pause_ms` between tries). A
delivery claimed while this process still runs the event is given back too.

How far the group has got (`self.progress`) is `shared.progress`'s to answer."""

import asyncio
import contextlib
import logging
import os
import socket
from dataclasses import dataclass
from typing import Any

from faststream import AckPolicy
from faststream.message import StreamMessage
from faststream.redis import RedisBroker, StreamSub
from faststream.redis.annotations import RedisBatchStreamMessage, RedisStreamMessage
from redis.exceptions import RedisClusterException, RedisError

from shared.applying import Applier, Handler, PageHandler, Reveal, as_stored
from shared.deliveries import Deliveries, Outage
from shared.entries import entries_of, without_body
from shared.events import Envelope
from shared.history import create_group
from shared.keys import Keys
from shared.progress import GroupProgress
from shared.redis_client import AsyncRedis
from shared.stores.tiered import TieredEventStore

log = logging.getLogger("jasa.consumer")


def default_consumer_name(group: str) -> str:
    return f"{group}-{socket.gethostname()}-{os.getpid()}"


@dataclass(frozen=True, slots=True)
class ConsumerOptions:
    group: str
    consumer: str
    claim_idle_ms: int = 5000
    max_deliveries: int = 5
    poll_ms: int = 100
    # Entries read at once wait in this process for their turn; a small batch keeps them
    # from looking idle to the reclaimer (which would run them twice, out of order).
    batch: int = 10
    # A `PageHandler` applies what was read in one go, so it may read more at once.
    page: int = 200
    # After a page shorter than a full one, a `PageHandler`'s consumer waits this long
    # before it reads again: under a steady trickle, each read would otherwise return the
    # one event that just arrived, and every event would pay for a transaction, an ack and
    # FastStream's per-message machinery of its own. Events wait this long at most; they
    # are not read (not pending) meanwhile.
    gather_ms: int = 50
    recover_every_s: float = 1.0
    # After a delivery that met the database out of reach, the subscriber waits this long
    # before it takes the next event, rather than failing through the pending ones at once.
    outage_pause_ms: int = 1000


class EventConsumer:
    """Feeds every event of the office log to `handle`, at least once, acknowledging after."""

    def __init__(
        self,
        broker: RedisBroker,
        redis: AsyncRedis,
        keys: Keys,
        options: ConsumerOptions,
        handle: Handler,
        reveal: Reveal = as_stored,
        archived: TieredEventStore | None = None,
    ) -> None:
        self.broker, self.redis, self.keys, self.options = broker, redis, keys, options
        self.handle = handle
        self.archived = archived  # the log's trimmed past, fed before the group is made
        self.reveal = reveal  # the handler sees personal data readable (or erased)
        self._watchdog: asyncio.Task[None] | None = None
        self.deliveries = Deliveries(redis, keys, options.group, options.consumer)
        self.progress = GroupProgress(redis, keys, options.group)
        self.applier = Applier(
            keys.office,
            handle,
            reveal,
            self.deliveries,
            Outage(options.group),
            options.max_deliveries,
        )
        self.recoveries = 0

        pages = isinstance(handle, PageHandler)
        gather_s = options.gather_ms / 1000 if pages else 0
        pause_s = options.outage_pause_ms / 1000
        claim_idle = options.claim_idle_ms

        async def on_fresh(events: list[Envelope], message: RedisBatchStreamMessage) -> None:
            read = len(message.raw_message["message_ids"])
            if await self._process(events, message):
                await asyncio.sleep(pause_s)
            elif gather_s and read < options.page:
                await asyncio.sleep(gather_s)

        async def on_reclaimed(events: list[Envelope], message: RedisStreamMessage) -> None:
            out_of_reach = await self._process(events, message)
            # FastStream claims one entry at a time. After an outage hundreds may wait: a
            # PageHandler takes the others a page at a time (those it just failed are not
            # idle, so they wait their turn again).
            while pages and not out_of_reach:
                ids, fields_of = await self.deliveries.claim_idle(claim_idle, options.page)
                if not ids:
                    break
                out_of_reach = await self._process_claimed(ids, fields_of)
            if out_of_reach:
                await asyncio.sleep(pause_s)

        fresh = StreamSub(
            keys.log,
            group=options.group,
            consumer=options.consumer,
            polling_interval=options.poll_ms,
            max_records=options.page if pages else options.batch,
            batch=True,
        )
        reclaim = StreamSub(
            keys.log,
            group=options.group,
            consumer=options.consumer,
            polling_interval=max(options.poll_ms, options.claim_idle_ms // 4),
            min_idle_time=options.claim_idle_ms,
        )
        self.subscribers = [
            broker.subscriber(
                stream=fresh,
                ack_policy=AckPolicy.MANUAL,
                parser=without_body,
                decoder=self._readable,
                title=f"{keys.log}:{options.group}",
                description=f"The log of office {keys.office}, read by the consumer group "
                f"{options.group!r}: every event, each applied once.",
            ),
            # The same group's second reader: one channel in the AsyncAPI document.
            broker.subscriber(
                stream=reclaim,
                ack_policy=AckPolicy.MANUAL,
                parser=without_body,
                decoder=self._readable,
                include_in_schema=False,
            ),
        ]
        self.subscribers[0](on_fresh)
        self.subscribers[1](on_reclaimed)

    async def ensure_group(self) -> None:
        """Create the group at the start of the log (and the log, if it is not there); over
        a log whose past was trimmed, after feeding that past (`shared.history`)."""
        await create_group(
            self.redis, self.keys, self.options.group, self.archived, self._feed_history
        )

    async def _feed_history(self, events: list[Envelope]) -> None:
        """Events read from the archive and the log before the group exists: applied as a
        page where the handler takes pages, else one by one; a failure stops the start."""
        revealed = await self.reveal(events)
        if isinstance(self.handle, PageHandler):
            await self.handle.apply_page(revealed)
            return
        for event in revealed:
            await self.handle(event)

    async def start(self) -> None:
        await self.ensure_group()
        await self.broker.start()
        self._watchdog = asyncio.create_task(self._watch(), name=f"{self.options.group}-watchdog")

    async def stop(self) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watchdog
        await self.broker.stop()

    @property
    def running(self) -> bool:
        return all(subscriber.running for subscriber in self.subscribers)

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self.options.recover_every_s)
            stopped = [s for s in self.subscribers if not s.running]
            if not stopped:
                continue
            try:
                await self.ensure_group()
                for subscriber in stopped:
                    await subscriber.start()
                self.recoveries += 1
                log.warning(
                    "consumer group %s recreated; reading the log again from its start",
                    self.options.group,
                )
            except (RedisError, RedisClusterException, OSError) as error:
                log.warning("consumer group %s not yet recovered: %s", self.options.group, error)

    async def _readable(self, message: StreamMessage[Any]) -> list[Envelope]:
        """FastStream's decoder: the events of the entries read that this office can apply."""
        return self.applier.events_of(*entries_of(message.raw_message))

    async def _process(
        self, events: list[Envelope], message: RedisStreamMessage | RedisBatchStreamMessage
    ) -> bool:
        """The events of one message (a page of fresh ones, or one reclaimed), in log order;
        True when the database was out of reach (what was not applied is given back). The
        message is acknowledged through FastStream once every entry in it is done with."""
        ids, fields_of = entries_of(message.raw_message)
        done, out_of_reach = await self.applier.apply_entries(ids, fields_of, events)
        if len(done) == len(ids):
            await message.ack()
        elif done:
            # FastStream acks a message whole; after a page that failed, only the events
            # applied one by one are done, so those alone are acknowledged.
            await self.redis.xack(self.keys.log, self.options.group, *done)
        return out_of_reach

    async def _process_claimed(self, ids: list[bytes], fields_of: list[dict[bytes, bytes]]) -> bool:
        """A page claimed after an outage (not through FastStream): the same steps, acked
        as they are done."""
        done, out_of_reach = await self.applier.apply_entries(
            ids, fields_of, self.applier.events_of(ids, fields_of)
        )
        if done:
            await self.redis.xack(self.keys.log, self.options.group, *done)
        return out_of_reach
