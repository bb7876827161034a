"""Redis key names. Every key of one office carries the hash tag `{<office>}` so an
installation can move to Redis Cluster with offices spread over shards."""

from dataclasses import dataclass
from hashlib import sha1


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

    def trimmed(self, stream_id: str) -> tuple[str, str]:
        """Where the count of a stream's events archived and trimmed from Redis is kept (a
        stream's version is its length plus that count): a small hash and a field in it,
        both named by the SHA-1 of the stream's key, as the Lua scripts name them. Of the
        65,536 hashes, each stays small enough for Redis's compact encoding for years of
        streams, so a stream that left Redis costs some twenty bytes."""
        digest = sha1(self.stream(stream_id).encode()).hexdigest()
        return self._key(f"trimmed:{digest[:4]}"), digest[4:16]

    @property
    def trim_point(self) -> str:
        """The last position trimmed from the log: readers before it read the archive too."""
        return self._key("trim-point")

    @property
    def courier_feed(self) -> str:
        return self._key("courier-feed")

    @property
    def courier_feed_marks(self) -> str:
        """Hash letter_id -> its feed entry's id: what publishes a handover only once."""
        return self._key("courier-feed:published")

    def stream(self, stream_id: str) -> str:
        """One aggregate's own events, for loading it without scanning the log."""
        return self._key(f"stream:{stream_id}")

    def dead_letters(self, group: str) -> str:
        return self._key(f"dead-letter:{group}")

    def scoped(self, name: str) -> str:
        """Any other key of this office (idempotency records, counters, ...)."""
        return self._key(name)
