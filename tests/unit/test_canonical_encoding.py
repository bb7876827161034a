"""The canonical bytes are written by orjson straight from the models; they must be exactly
the bytes of pydantic's JSON mode, which the audit chain has always hashed."""

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

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
)
from shared.vocabulary import Role
from tests.factories import registered

any_text = st.text(max_size=30)  # any unicode, control characters and all
zones = st.sampled_from([UTC, timezone(timedelta(hours=7)), timezone(-timedelta(hours=3.5))])
moments = st.datetimes(
    min_value=datetime(1970, 1, 2), max_value=datetime(2200, 1, 1), timezones=zones
)
actors = st.builds(Actor, officer_id=any_text, name=any_text, role=st.sampled_from(Role))


def pydantic_json(envelope, **dump) -> bytes:  # type: ignore[no-untyped-def]
    """The reference: what encode wrote before it took the fast way."""
    return orjson.dumps(
        envelope.model_dump(mode="json", **dump), option=orjson.OPT_SORT_KEYS | orjson.OPT_UTC_Z
    )


@st.composite
def events(draw: st.DrawFn):  # type: ignore[no-untyped-def]
    data_class = draw(st.sampled_from(CATALOGUE))
    strategies = {
        name: any_text for name, f in data_class.model_fields.items() if f.annotation is str
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


@settings(max_examples=500)
@given(events())
def test_every_event_of_the_catalogue_encodes_to_the_bytes_of_pydantic_json_mode(event):  # type: ignore[no-untyped-def]
    assert encode(event) == pydantic_json(event)
    assert encode_for_log(event) == pydantic_json(event, exclude={"position"})


@settings(max_examples=300)
@given(events())
def test_a_stream_entry_decodes_to_the_same_envelope_as_its_json_alone(event):  # type: ignore[no-untyped-def]
    # decode_entry takes the typed one-pass way; decode the general one: same event, same class
    entry = {b"type": event.type.encode(), b"event": encode_for_log(event)}
    fast = decode_entry(b"1700000000000-7", entry)
    slow = decode(encode_for_log(event), position="1700000000000-7")
    assert type(fast) is Envelope
    assert fast == slow
    assert encode(fast) == encode(slow)
    assert fast.model_fields_set == slow.model_fields_set


def test_an_entry_whose_type_field_disagrees_with_its_json_decodes_by_the_json() -> None:
    event = registered()
    for kind in (b"Delivered", b"NoSuchEvent"):
        lying = {b"type": kind, b"event": encode_for_log(event)}
        assert decode_entry(b"1-1", lying).data == event.data
    unknown = orjson.loads(encode_for_log(event)) | {"type": "NoSuchEvent"}
    with pytest.raises(UnknownEventType):
        decode_entry(b"1-1", {b"type": event.type.encode(), b"event": orjson.dumps(unknown)})


def test_the_catalogue_holds_every_event_of_the_design_and_the_erasure() -> None:
    design = {
        "DocumentRegistered", "DocumentFlagged", "FlagResolved", "RecapCompiled",
        "LetterDrafted", "LetterSigned", "LetterRejected", "HandoverAccepted", "Delivered",
        "Returned", "ReturnReceived",
    }  # fmt: skip
    assert {event.type_name() for event in CATALOGUE} == design | {"PersonalDataErased"}


class Weighed(EventData):
    """Test events whose values orjson would not write as pydantic does."""

    grams: Decimal
    tags: frozenset[str]
    at: datetime


class Shouted(EventData):
    word: str

    @field_serializer("word")
    def upper(self, word: str) -> str:
        return word.upper()


def test_values_orjson_cannot_write_alike_take_the_certain_way() -> None:
    actor = Actor(officer_id="1", name="Siti", role=Role.FO)
    at = datetime(2026, 1, 2, tzinfo=UTC)
    try:
        weighed = new_event(
            Weighed(grams=Decimal("1.50"), tags=frozenset({"b", "a"}), at=at),
            stream_id="w",
            actor=actor,
            office="1471",
        )
        shouted = new_event(Shouted(word="halo"), stream_id="s", actor=actor, office="1471")
        assert encode(weighed) == pydantic_json(weighed)
        assert encode(shouted) == pydantic_json(shouted)
        assert orjson.loads(encode(shouted))["data"] == {"word": "HALO"}
    finally:
        del EventData.registry["Weighed"], EventData.registry["Shouted"]
