"""Applying what a consumer read (`shared.consumer`) to its handler: the readable events in
log order, a page at once where the handler takes pages (one by one if the page fails, so
that only the failing event stays behind); an entry that cannot be decoded, or that names
another office, and an event that spent its deliveries, to the dead-letter stream; and,
while the database is out of reach, nothing: those deliveries are given back
(`shared.deliveries`), and only failures that reached the database count."""

import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from shared.db import database_unreachable
from shared.deliveries import Deliveries, Outage
from shared.events import Envelope, decode_entry

log = logging.getLogger("jasa.consumer")

Handler = Callable[[Envelope], Awaitable[None]]
# Personal data made readable, a page of events at once (`EventLog.reveal_all`).
Reveal = Callable[[Sequence[Envelope]], Awaitable[list[Envelope]]]
Outcome = Literal["applied", "dead-lettered", "failed", "out of reach"]


@dataclass(frozen=True, slots=True)
class PageHandler:
    """A handler that applies a page of events at once, all or nothing (e.g. in one
    transaction); called with one event, it applies a page of one."""

    apply_page: Callable[[Sequence[Envelope]], Awaitable[None]]

    async def __call__(self, event: Envelope) -> None:
        await self.apply_page([event])


async def as_stored(events: Sequence[Envelope]) -> list[Envelope]:
    return list(events)


class WrongOffice(Exception):
    """An event in one office's log that names another office: never applied to either."""

    def __init__(self, named: str, log_of: str) -> None:
        super().__init__(f"an event of office {named} in the log of office {log_of}")


class Applier:
    """Applies the entries one consumer read, each at most once at a time in this process."""

    def __init__(
        self,
        office: str,
        handle: Handler,
        reveal: Reveal,
        deliveries: Deliveries,
        outage: Outage,
        max_deliveries: int,
    ) -> None:
        self.office, self.handle, self.reveal = office, handle, reveal
        self.deliveries, self._outage, self.max_deliveries = deliveries, outage, max_deliveries
        self._in_flight: set[bytes] = set()

    def events_of(self, ids: list[bytes], fields_of: list[dict[bytes, bytes]]) -> list[Envelope]:
        """The events of these entries that this office can apply. An entry left out is
        dead-lettered by `apply_entries` (`_unreadable` says why)."""
        events = []
        for entry_id, fields in zip(ids, fields_of, strict=True):
            with contextlib.suppress(Exception):
                event = decode_entry(entry_id, fields)
                if event.office == self.office:
                    events.append(event)
        return events

    def _unreadable(self, entry_id: bytes, fields: dict[bytes, bytes]) -> Exception:
        """Why an entry was left out by `events_of`."""
        try:
            event = decode_entry(entry_id, fields)
        except Exception as error:
            return error
        return WrongOffice(event.office, self.office)

    async def apply_entries(
        self, ids: list[bytes], fields_of: list[dict[bytes, bytes]], events: list[Envelope]
    ) -> tuple[list[bytes], bool]:
        """Apply the readable events of these entries and dead-letter the others: the ids
        done with (applied or dead-lettered), and whether the database was out of reach."""
        fields_by_id = dict(zip(ids, fields_of, strict=True))
        by_id = {(event.position or "").encode(): event for event in events}
        dead = [entry_id for entry_id in ids if entry_id not in by_id]
        for entry_id in dead:
            error = self._unreadable(entry_id, fields_by_id[entry_id])
            await self.deliveries.dead_letter(entry_id, fields_by_id[entry_id], error, 1)
        # An entry of ours that runs still looked idle to the reclaimer: the first run acks it.
        running = [entry_id for entry_id in by_id if entry_id in self._in_flight]
        if running:
            await self.deliveries.give_back(running)
        readable = [(i, event) for i, event in by_id.items() if i not in self._in_flight]
        taken = [entry_id for entry_id, _ in readable]
        self._in_flight.update(taken)
        try:
            done, out_of_reach = await self._apply_readable(readable, fields_by_id)
        finally:
            self._in_flight.difference_update(taken)
        return dead + done, out_of_reach

    async def _apply_readable(
        self, readable: list[tuple[bytes, Envelope]], fields_by_id: dict[bytes, dict[bytes, bytes]]
    ) -> tuple[list[bytes], bool]:
        if len(readable) > 1 and isinstance(self.handle, PageHandler):
            outcome = await self._apply_page(self.handle, [event for _, event in readable])
            if outcome == "applied":
                return [entry_id for entry_id, _ in readable], False
            if outcome == "out of reach":
                await self.deliveries.give_back([entry_id for entry_id, _ in readable])
                return [], True
        done: list[bytes] = []
        for index, (entry_id, event) in enumerate(readable):
            outcome = await self._apply(entry_id, fields_by_id[entry_id], event)
            if outcome == "out of reach":
                # The events after it would meet the outage too: left for later, untried.
                await self.deliveries.give_back([entry_id for entry_id, _ in readable[index:]])
                return done, True
            if outcome in ("applied", "dead-lettered"):
                done.append(entry_id)
        return done, False

    async def _apply_page(self, handle: PageHandler, events: list[Envelope]) -> Outcome:
        """The whole page in one go. If it failed, nothing of it was applied: out of reach,
        the caller gives it back; else it goes through its events one by one."""
        try:
            await handle.apply_page(await self.reveal(events))
        except Exception as error:
            if database_unreachable(error):
                self._outage.met(error)
                return "out of reach"
            log.info("a page of %d events failed (%r); one by one now", len(events), error)
            return "failed"
        self._outage.over()
        return "applied"

    async def _apply(
        self, entry_id: bytes, fields: dict[bytes, bytes], envelope: Envelope
    ) -> Outcome:
        """One event; out of reach, the caller gives its delivery back. A failure that
        spent the event's deliveries dead-letters it, which acknowledges it."""
        try:
            (revealed,) = await self.reveal([envelope])
            await self.handle(revealed)
        except Exception as error:
            if database_unreachable(error):
                self._outage.met(error)
                return "out of reach"
            deliveries = await self.deliveries.count(entry_id)
            if deliveries >= self.max_deliveries:
                await self.deliveries.dead_letter(entry_id, fields, error, deliveries)
                return "dead-lettered"
            log.warning(
                "event %s (%s) failed on delivery %d: %r; it stays pending",
                envelope.position,
                envelope.type,
                deliveries,
                error,
            )
            return "failed"
        self._outage.over()
        return "applied"
