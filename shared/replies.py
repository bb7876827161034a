"""The log's XRANGE replies as Redis sends them, read into entries and events. `EventLog`
asks redis-py to leave XRANGE's reply so: its own reading makes a dict of every entry's
fields, which costs more than anything else of reading a page."""

from itertools import starmap
from typing import Any

from shared.events import Envelope, decode_entry
from shared.events.codec import EVENT_FIELD, TYPE_FIELD, decode_stored

# An XRANGE reply: each entry its id and its fields and values in turn.
Reply = list[list[Any]]


def as_sent(response: Any, **options: Any) -> Any:
    return response


def reply_entries(reply: Reply) -> list[tuple[bytes, dict[bytes, bytes]]]:
    """The entries as redis-py gives them: (id, {field: value})."""
    return [(entry_id, fields_of(pairs)) for entry_id, pairs in reply]


def fields_of(pairs: list[bytes]) -> dict[bytes, bytes]:
    if len(pairs) == 4:  # the log's entries: type and event
        return {pairs[0]: pairs[1], pairs[2]: pairs[3]}
    return dict(zip(pairs[::2], pairs[1::2], strict=True))


def reply_events(reply: Reply) -> list[Envelope]:
    return list(starmap(reply_event, reply))


def reply_event(entry_id: bytes, pairs: list[bytes]) -> Envelope:
    """An entry's event, read straight from the reply when it holds the type and the event,
    in the order the log writes them."""
    if len(pairs) == 4 and pairs[0] == TYPE_FIELD and pairs[2] == EVENT_FIELD:
        return decode_stored(entry_id, pairs[1], pairs[3])
    return decode_entry(entry_id, fields_of(pairs))


def entry_id_text(entry_id: bytes | str) -> str:
    return entry_id.decode() if isinstance(entry_id, bytes) else entry_id
