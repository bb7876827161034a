"""The consumer runtime: one FastStream consumer group per service on the office log.

Two subscribers share the group: one reads new events (XREADGROUP `>`), the other claims
events another consumer left pending for longer than `claim_idle_ms` (XAUTOCLAIM), since
FastStream's `min_idle_time` subscriber reads only the pending list. An event is
acknowledged only after the handler returned, i.e. after its effect was committed. A
failing event stays pending and is tried again; after `max_deliveries` it goes to the
group's dead-letter stream with its error, and the consumer goes on. An event that cannot
be decoded at all, or that names another office than the log's (projections key their rows
by the event's office), is dead-lettered at once. When the group or the stream disappears
(`NOGROUP`, e.g. Redis restarted empty), FastStream stops the subscriber; a watchdog
recreates the group from the start of the log and starts it again: projections skip what
they already applied."""

import asyncio
import contextlib
import logging
import os
import socket
import traceback
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from faststream import AckPolicy
from faststream.message import StreamMessage
from faststream.redis import RedisBroker, StreamSub
from faststream.redis.annotations import RedisStreamMessage as IncomingMessage
from faststream.redis.message import RedisStreamMessage
from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError

from shared.events import Envelope, decode_entry
from shared.keys import Keys

log = logging.getLogger("jasa.consumer")

Handler = Callable[[Envelope], Awaitable[None]]
Reveal = Callable[[Envelope], Awaitable[Envelope]]


async def as_stored(event: Envelope) -> Envelope:
    return event


class WrongOffice(Exception):
    """An event in one office's log that names another office: never applied to either."""

    def __init__(self, named: str, log_of: str) -> None:
        super().__init__(f"an event of office {named} in the log of office {log_of}")


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
    recover_every_s: float = 1.0


async def _without_body(
    entry: Mapping[str, Any], parse: Callable[[Mapping[str, Any]], Awaitable[StreamMessage[Any]]]
) -> StreamMessage[Any]:
    """FastStream's parser makes a JSON body of an entry's fields before any handler runs;
    bytes that are not UTF-8 make it fail, and such an entry would be claimed and fail again
    forever, never reaching `_apply` to be dead-lettered. The handler reads the raw fields
    itself, so the message is built without a body (which also spares a JSON dump per event)."""
    message = await parse({**entry, "data": {}})
    message.raw_message = entry
    return message


class EventConsumer:
    """Feeds every event of the office log to `handle`, at least once, acknowledging after."""

    def __init__(
        self,
        broker: RedisBroker,
        redis: Redis,
        keys: Keys,
        options: ConsumerOptions,
        handle: Handler,
        reveal: Reveal = as_stored,
    ) -> None:
        self.broker, self.redis, self.keys, self.options = broker, redis, keys, options
        self.handle = handle
        self.reveal = reveal  # the handler sees personal data readable (or erased)
        self.dead_letter_stream = keys.dead_letters(options.group)
        self._watchdog: asyncio.Task[None] | None = None
        self._in_flight: set[bytes] = set()
        self.recoveries = 0

        async def on_event(message: IncomingMessage) -> None:
            await self._process(message)

        fresh = StreamSub(
            keys.log,
            group=options.group,
            consumer=options.consumer,
            polling_interval=options.poll_ms,
            max_records=options.batch,
        )
        reclaim = StreamSub(
            keys.log,
            group=options.group,
            consumer=options.consumer,
            polling_interval=max(options.poll_ms, options.claim_idle_ms // 4),
            min_idle_time=options.claim_idle_ms,
        )
        self.subscribers = [
            broker.subscriber(stream=sub, ack_policy=AckPolicy.MANUAL, parser=_without_body)
            for sub in (fresh, reclaim)
        ]
        for subscriber in self.subscribers:
            subscriber(on_event)

    async def ensure_group(self) -> None:
        """Create the group at the start of the log (and the log, if it is not there)."""
        try:
            await self.redis.xgroup_create(self.keys.log, self.options.group, id="0", mkstream=True)
        except ResponseError as error:
            if "BUSYGROUP" not in str(error):
                raise

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
            except (RedisError, OSError) as error:
                log.warning("consumer group %s not yet recovered: %s", self.options.group, error)

    async def _process(self, message: RedisStreamMessage) -> None:
        entry_id: bytes = message.raw_message["message_ids"][0]
        if entry_id in self._in_flight:
            # A slow event of our own looked idle to the reclaimer: the first run acks it.
            return
        self._in_flight.add(entry_id)
        try:
            await self._apply(message, entry_id)
        finally:
            self._in_flight.discard(entry_id)

    async def _apply(self, message: RedisStreamMessage, entry_id: bytes) -> None:
        fields: dict[bytes, bytes] = message.raw_message["data"]
        try:
            envelope = decode_entry(entry_id, fields)
            if envelope.office != self.keys.office:
                raise WrongOffice(envelope.office, self.keys.office)
        except Exception as error:  # an event no code can read: trying again will not help
            await self._dead_letter(message, entry_id, fields, error, deliveries=1)
            return
        try:
            await self.handle(await self.reveal(envelope))
        except Exception as error:
            deliveries = await message.get_delivery_count()
            if deliveries >= self.options.max_deliveries:
                await self._dead_letter(message, entry_id, fields, error, deliveries)
            else:
                log.warning(
                    "event %s (%s) failed on delivery %d: %r; it stays pending",
                    envelope.position,
                    envelope.type,
                    deliveries,
                    error,
                )
            return
        await message.ack()

    async def _dead_letter(
        self,
        message: RedisStreamMessage,
        entry_id: bytes,
        fields: dict[bytes, bytes],
        error: BaseException,
        deliveries: int,
    ) -> None:
        log.error(
            "event %s dead-lettered by %s after %d deliveries: %r",
            entry_id.decode(),
            self.options.group,
            deliveries,
            error,
        )
        reason = "".join(traceback.format_exception_only(type(error), error)).strip()
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.xadd(
                self.dead_letter_stream,
                {
                    b"position": entry_id,
                    b"event": fields.get(b"event", b""),
                    b"type": fields.get(b"type", b""),
                    b"group": self.options.group.encode(),
                    b"error": reason.encode()[:4000],
                    b"deliveries": str(deliveries).encode(),
                    b"failed_at": datetime.now(UTC).isoformat().encode(),
                },
            )
            pipe.xack(self.keys.log, self.options.group, entry_id)
            await pipe.execute()
        await message.ack()  # already acknowledged above; this tells FastStream so
