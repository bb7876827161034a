"""What `jasa audit verify` holds a log entry to, beside its event: the fields the log's
append writes, and the event in the bytes it writes. An event of an older schema version
keeps the bytes that version wrote."""

import uuid

import orjson

from services.reporting.entry_flaws import flaw_of
from shared.events import EventData, decode_entry, encode_for_log, register_upcaster
from tests.factories import flagged


def test_an_entry_as_the_log_writes_it_has_no_flaw() -> None:
    event = flagged(uuid.uuid4())
    fields = {b"type": event.type.encode(), b"event": encode_for_log(event)}
    assert flaw_of(fields, decode_entry("5-0", fields)) is None


def test_an_event_of_an_older_schema_version_keeps_the_bytes_that_version_wrote() -> None:
    class CrateCounted(EventData):
        """A test event at schema version 2: a count became a list of crates."""

        SCHEMA_VERSION = 2
        crates: list[str]

    @register_upcaster("CrateCounted", 1)
    def count_to_crates(data: dict) -> dict:  # type: ignore[type-arg]
        return {"crates": [f"crate-{n}" for n in range(data["count"])]}

    try:
        older = orjson.loads(encode_for_log(flagged(uuid.uuid4())))
        older.update(type="CrateCounted", schema_version=1, data={"count": 2})
        fields = {b"type": b"CrateCounted", b"event": orjson.dumps(older)}
        event = decode_entry("5-0", fields)
        assert event.schema_version == 2
        assert flaw_of(fields, event) is None

        current = {**older, "schema_version": 2, "data": {"crates": ["crate-0", "crate-1"]}}
        spaced = orjson.dumps(current, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)
        fields = {b"type": b"CrateCounted", b"event": spaced}
        assert flaw_of(fields, decode_entry("5-0", fields)) == (
            "holds its event in other bytes than the log writes for it"
        )
    finally:
        del EventData.registry["CrateCounted"]
