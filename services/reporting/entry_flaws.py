"""What a log entry's stored fields say against the event read from them: the one check
`jasa audit verify` makes of every entry and `jasa log archive` makes of every entry it is
about to trim, so that the two never disagree on what an intact entry is."""

from collections.abc import Mapping

import orjson

from shared.events import Envelope, encode_for_log
from shared.events.codec import EVENT_FIELD, TYPE_FIELD


def flaw_of(fields: Mapping[bytes, bytes], event: Envelope) -> str | None:
    """How a log entry differs from what the log's append writes for its event (`type`,
    then `event`, the event's bytes as `encode_for_log` writes them), or None."""
    names = list(fields)
    extra = [name for name in names if name not in (TYPE_FIELD, EVENT_FIELD)]
    if extra:
        return f"holds a field {_shown(extra[0])} that the log never writes"
    if TYPE_FIELD not in fields:
        return "has lost its `type` field"
    if fields[TYPE_FIELD] != event.type.encode():
        return f"says `type` {_shown(fields[TYPE_FIELD])} of an event that is a {event.type}"
    if names != [TYPE_FIELD, EVENT_FIELD]:
        return "holds its fields in another order than the log writes them"
    stored = fields[EVENT_FIELD]
    if stored != encode_for_log(event) and not _upcast(stored, event):
        return "holds its event in other bytes than the log writes for it"
    return None


def _upcast(stored: bytes, event: Envelope) -> bool:
    """Whether the stored event is of an older schema version than the event read from it:
    its bytes are then what the older version wrote, which no code writes any more."""
    version = orjson.loads(stored).get("schema_version", 1)
    return bool(version != event.schema_version)


def _shown(value: bytes) -> str:
    return repr(value.decode("utf-8", "replace"))
