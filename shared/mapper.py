"""Between the domain's events and the store's records, as eventsourcing's Mapper is: on
the way in, personal data sealed (shared.privacy) and the event encoded; on the way out,
decoded, then revealed for the use cases that read personal data.

Sealing works on the event's personal fields, not on its whole bytes: the log keeps every
other field readable (the audit, the reports and the courier feed read them without a
key), and erasing a dossier's key leaves each stored byte as it was."""

from collections.abc import Sequence

from shared.events import Envelope, encode_for_log
from shared.events.codec import decode_entry
from shared.personal_data import PersonalData, PersonalFields
from shared.store import NewRecord, Recorded


class EventMapper:
    def __init__(self, privacy: PersonalData | None = None) -> None:
        self.privacy = privacy

    async def to_records(self, events: Sequence[Envelope]) -> list[NewRecord]:
        """The events as the store keeps them: sealed, then encoded."""
        sealed = await self.privacy.seal(events) if self.privacy is not None else events
        return [
            NewRecord(str(event.event_id), event.type, encode_for_log(event)) for event in sealed
        ]

    def stored(self, record: Recorded) -> Envelope:
        """A record's event as stored: its personal data still sealed."""
        return decode_entry(record.position, record.entry)

    async def revealed(self, records: Sequence[Recorded]) -> list[Envelope]:
        """The records' events with their personal data readable (one read of the key store)."""
        return await self.reveal_all([self.stored(record) for record in records])

    async def reveal_all(
        self, events: Sequence[Envelope], only: PersonalFields | None = None
    ) -> list[Envelope]:
        """The events with their personal data readable, or `[dihapus]` once erased; given
        `only`, just those fields of those events (the others stay sealed)."""
        if self.privacy is None:
            return list(events)
        if only is None:
            return await self.privacy.reveal_all(events)
        return await self.privacy.reveal_all(events, only)
