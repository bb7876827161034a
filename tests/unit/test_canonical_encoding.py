"""The canonical bytes: pydantic's JSON mode with sorted keys and no white space, which the
audit chain has always hashed (test_canonical_bytes holds the bytes themselves); and reading
them back, from a stream entry or from JSON alone."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import field_serializer

from shared.events import (
    CATALOGUE,
    Actor,
    Envelope,
    EventData,
    UnknownEventType,
    decode,
    decode_entry,
    encode,
    encode_for_log,
    new_event,
    with_fields,
)
from shared.vocabulary import Role
from tests.factories import registered

any_text = st.text(max_size=30)  # any unicode, control characters and all
zones = st.sampled_from([UTC, timezone(timedelta(hours=7)), timezone(-timedelta(hours=3.5))])
moments = st.datetimes(
    min_value=datetime(1970, 1, 2), max_value=datetime(2200, 1, 1), timezones=zones
)
actors = st.builds(Actor, officer_id=any_text, name=any_text, role=st.sampled_from(Role))


@st.composite
def events(draw: st.DrawFn):  # type: ignore[no-untyped-def]
    data_class = draw(st.sampled_from(CATALOGUE))
    strategies = {
        name: any_text for name, f in data_class.model_fields.items() if f.annotation is str
    } | {  # counts, as JSON writes them (orjson refuses integers past 64 bits)
        name: st.integers(0, 2**53)
        for name, f in data_class.model_fields.items()
        if f.annotation is int
    }
    # Counts (an attempt's number, wrong codes so far) are small and positive.
    strategies |= {
        name: st.integers(1, 2**40)
        for name, f in data_class.model_fields.items()
        if f.annotation is int
    }
    data = draw(st.builds(data_class, **strategies))
    event = new_event(
        data,
        stream_id=draw(any_text),
        actor=draw(actors),
        office=draw(any_text),
        occurred_at=draw(moments),
        causation_id=draw(st.none() | st.uuids()),
    )
    position = draw(st.none() | st.from_regex(r"\A[0-9]{1,13}-[0-9]{1,4}\Z"))
    return event.model_copy(update={"version": draw(st.integers(0, 2**40)), "position": position})


def canonical(value: object) -> bytes:
    """JSON as the canonical encoding writes it, for any value read back from it."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


@settings(max_examples=500)
@given(events())
def test_every_event_of_the_catalogue_is_written_sorted_compact_and_in_utc(event):  # type: ignore[no-untyped-def]
    written = encode(event)
    fields = orjson.loads(written)
    assert canonical(fields) == written
    assert fields["occurred_at"].endswith("Z")
    assert fields["position"] == event.position
    assert encode_for_log(event) == canonical({k: v for k, v in fields.items() if k != "position"})
    assert decode(written) == event


@settings(max_examples=300)
@given(events())
def test_a_stream_entry_reads_back_as_the_event_appended_at_its_position(event):  # type: ignore[no-untyped-def]
    entry = {b"type": event.type.encode(), b"event": encode_for_log(event)}
    read = decode_entry(b"1700000000000-7", entry)
    assert isinstance(read, Envelope)
    assert read == with_fields(event, position="1700000000000-7")
    assert type(read.data) is type(event.data)
    assert encode(read) == encode(with_fields(event, position="1700000000000-7"))


def test_an_entry_whose_type_field_disagrees_with_its_json_decodes_by_the_json() -> None:
    event = registered()
    for kind in (b"Delivered", b"NoSuchEvent"):
        lying = {b"type": kind, b"event": encode_for_log(event)}
        assert decode_entry(b"1-1", lying).data == event.data
    unknown = orjson.loads(encode_for_log(event)) | {"type": "NoSuchEvent"}
    with pytest.raises(UnknownEventType):
        decode_entry(b"1-1", {b"type": event.type.encode(), b"event": orjson.dumps(unknown)})


# What a writer other than this log could have put in an entry, each a change to its JSON, and
# whether the entry still reads as an event (pydantic's lax mode accepts some).
def _set(fields: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for name in parents:
        fields = fields[name]
    fields[last] = value


def _drop(fields: dict[str, Any], path: str) -> None:
    *parents, last = path.split(".")
    for name in parents:
        fields = fields[name]
    fields.pop(last)


REFUSED: dict[str, Callable[[dict[str, Any]], None]] = {
    "an unknown top-level field": lambda f: _set(f, "extra", 1),
    "an unknown data field": lambda f: _set(f, "data.extra", "x"),
    "an unknown actor field": lambda f: _set(f, "actor.extra", "x"),
    "no occurred_at": lambda f: _drop(f, "occurred_at"),
    "no data": lambda f: _drop(f, "data"),
    "no actor role": lambda f: _drop(f, "actor.role"),
    "a negative version": lambda f: _set(f, "version", -1),
    "a time without zone": lambda f: _set(f, "occurred_at", "2026-11-24T08:00:00"),
    "a date for a time": lambda f: _set(f, "occurred_at", "2026-11-24"),
    "a day that does not exist": lambda f: _set(f, "occurred_at", "2026-02-30T08:00:00Z"),
    "an event id that is no uuid": lambda f: _set(f, "event_id", "not-a-uuid"),
    "an unknown role": lambda f: _set(f, "actor.role", "LURAH"),
    "an office that is a number": lambda f: _set(f, "office", 1471),
    "data that is null": lambda f: _set(f, "data", None),
    "data that is a list": lambda f: _set(f, "data", [1, 2]),
    "an actor that is a list": lambda f: _set(f, "actor", ["1", "Siti", "FO"]),
    "a schema version with no upcaster": lambda f: _set(f, "schema_version", 0),
    "a schema version that is no number": lambda f: _set(f, "schema_version", None),
    "another type for the same data": lambda f: _set(f, "type", "PersonalDataErased"),
}
ACCEPTED: dict[str, Callable[[dict[str, Any]], None]] = {
    "no causation_id": lambda f: _drop(f, "causation_id"),
    "a position written in": lambda f: _set(f, "position", "1-1"),
    "a version as text": lambda f: _set(f, "version", "5"),
    "a time in WIB": lambda f: _set(f, "occurred_at", "2026-11-24T08:00:00+07:00"),
}


@settings(max_examples=200)
@given(events(), st.sampled_from(sorted(REFUSED)))
def test_an_entry_that_is_not_an_event_of_its_type_is_refused_with_a_value_error(event, change):  # type: ignore[no-untyped-def]
    fields = orjson.loads(encode_for_log(event))
    if change == "another type for the same data" and event.type == "PersonalDataErased":
        fields["type"] = "FlagResolved"  # whose data has a note besides the dossier id
    else:
        REFUSED[change](fields)
    with pytest.raises(ValueError):
        decode_entry(b"1-1", {b"type": event.type.encode(), b"event": orjson.dumps(fields)})


@settings(max_examples=100)
@given(events(), st.sampled_from(sorted(ACCEPTED)))
def test_an_entry_pydantic_reads_leniently_is_read_at_the_entry_position(event, change):  # type: ignore[no-untyped-def]
    fields = orjson.loads(encode_for_log(event))
    ACCEPTED[change](fields)
    read = decode_entry(b"1-1", {b"type": event.type.encode(), b"event": orjson.dumps(fields)})
    assert read.position == "1-1"
    assert read.event_id == event.event_id
    assert read.data == event.data


def test_bytes_that_are_not_json_are_refused_with_a_value_error() -> None:
    for raw in (b"", b"{", b"[]", b"null", b'{"type": "DocumentRegistered"}', b"\xff\xfe"):
        with pytest.raises(ValueError):
            decode_entry(b"1-1", {b"type": b"DocumentRegistered", b"event": raw})
    with pytest.raises(ValueError, match="holds no event"):
        decode_entry(b"1-1", {b"type": b"DocumentRegistered"})


def test_the_catalogue_holds_every_event_of_the_design_its_additions_and_the_archiving() -> None:
    design = {
        "DocumentRegistered", "DocumentFlagged", "FlagResolved", "RecapCompiled",
        "LetterDrafted", "LetterSigned", "LetterRejected", "HandoverAccepted", "Delivered",
        "Returned", "ReturnReceived",
    }  # fmt: skip
    added = {"PersonalDataErased", "DossierCorrected", "RejectionAddressed", "LogArchived"}
    last_mile = {"OutForDelivery", "DeliveryAttemptFailed", "ReceiptCodeRefused"}  # issue 28
    assert {event.type_name() for event in CATALOGUE} == design | added | last_mile


class Weighed(EventData):
    """A test event with values JSON has no type for."""

    grams: Decimal
    tags: frozenset[str]
    at: datetime


class Shouted(EventData):
    """A test event with its own serializer."""

    word: str

    @field_serializer("word")
    def upper(self, word: str) -> str:
        return word.upper()


def test_an_event_with_its_own_serializer_or_values_beyond_json_is_written_by_pydantic() -> None:
    actor = Actor(officer_id="1", name="Siti", role=Role.FO)
    at = datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=timezone(timedelta(hours=7)))
    try:
        weighed = new_event(
            Weighed(grams=Decimal("1.50"), tags=frozenset({"a"}), at=at),
            stream_id="w",
            actor=actor,
            office="1471",
        )
        shouted = new_event(Shouted(word="halo"), stream_id="s", actor=actor, office="1471")
        assert orjson.loads(encode(weighed))["data"] == {
            "grams": "1.50",
            "tags": ["a"],
            "at": "2026-01-02T03:04:05.000006+07:00",
        }
        assert decode(encode(weighed)) == weighed
        assert orjson.loads(encode(shouted))["data"] == {"word": "HALO"}
    finally:
        del EventData.registry["Weighed"], EventData.registry["Shouted"]
