"""Redis key names. Every key of one office carries the hash tag `{<office>}` so an
installation can move to Redis Cluster with offices spread over shards."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Keys:
    office: str
    prefix: str = ""

    def _key(self, suffix: str) -> str:
        return f"{self.prefix}jasa:{{{self.office}}}:{suffix}"

    @property
    def log(self) -> str:
        """The office's global log: every event, in one total order."""
        return self._key("log")

    @property
    def event_ids(self) -> str:
        """Hash event_id -> position: what makes a retried append a no-op."""
        return self._key("event-ids")

    @property
    def trimmed(self) -> str:
        """Hash stream id -> how many of its first events were archived and trimmed from
        Redis: a stream's version is its length plus that count."""
        return self._key("trimmed")

    @property
    def trim_point(self) -> str:
        """The last position trimmed from the log: readers before it read the archive too."""
        return self._key("trim-point")

    @property
    def courier_feed(self) -> str:
        return self._key("courier-feed")

    def stream(self, stream_id: str) -> str:
        """One aggregate's own events, for loading it without scanning the log."""
        return self._key(f"stream:{stream_id}")

    def dead_letters(self, group: str) -> str:
        return self._key(f"dead-letter:{group}")

    def scoped(self, name: str) -> str:
        """Any other key of this office (idempotency records, counters, ...)."""
        return self._key(name)
