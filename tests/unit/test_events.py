import uuid
from datetime import UTC, datetime, timedelta, timezone

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.events import (
    Actor,
    Delivered,
    DocumentRegistered,
    EventData,
    UnknownEventType,
    decode,
    decode_entry,
    encode,
    encode_for_log,
    new_event,
    register_upcaster,
)
from shared.vocabulary import DocumentType, Relationship, Role
from tests.factories import registered

text = st.text(min_size=0, max_size=40)
times = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)
actors = st.builds(Actor, officer_id=text, name=text, role=st.sampled_from(Role))


@st.composite
def registrations(draw: st.DrawFn):  # type: ignore[no-untyped-def]
    dossier_id = draw(st.uuids())
    data = DocumentRegistered(
        dossier_id=dossier_id,
        nik=draw(text),
        name=draw(text),
        address=draw(text),
        phone=draw(text),
        document_type=draw(st.sampled_from(DocumentType)),
        document_number=draw(text),
    )
    event = new_event(
        data,
        stream_id=f"dossier-{dossier_id}",
        actor=draw(actors),
        office="1471",
        occurred_at=draw(times),
        causation_id=draw(st.none() | st.uuids()),
    )
    position = f"{draw(st.integers(0, 2**40))}-{draw(st.integers(0, 99))}"
    return event.model_copy(update={"version": draw(st.integers(1, 10_000)), "position": position})


@given(registrations())
def test_an_event_encoded_decoded_and_encoded_again_gives_the_same_bytes(event):  # type: ignore[no-untyped-def]
    first = encode(event)
    again = encode(decode(first))
    assert again == first
    assert decode(first) == event


def test_the_encoding_sorts_keys_and_writes_times_in_utc_with_z() -> None:
    wib = timezone(timedelta(hours=7))
    made = registered()
    event = new_event(
        made.data, stream_id=made.stream_id, actor=made.actor, office=made.office,
        occurred_at=datetime(2026, 1, 2, 10, 0, tzinfo=wib),
    )  # fmt: skip
    raw = orjson.loads(encode(event))
    assert list(raw) == sorted(raw)
    assert raw["occurred_at"] == "2026-01-02T03:00:00Z"
    assert event.occurred_at.tzinfo == UTC


def test_a_time_stored_in_another_zone_reads_as_the_same_moment() -> None:
    wib = timezone(timedelta(hours=7))
    raw = orjson.loads(encode(registered()))
    raw["occurred_at"] = "2026-01-02T10:00:00+07:00"
    read = decode(orjson.dumps(raw))
    assert read.occurred_at == datetime(2026, 1, 2, 3, 0, tzinfo=UTC)
    assert read.occurred_at.utcoffset() == wib.utcoffset(None)  # kept as it was written


def test_an_unknown_event_type_is_rejected_with_a_clear_error() -> None:
    raw = orjson.loads(encode(registered()))
    raw["type"] = "DocumentTeleported"
    with pytest.raises(UnknownEventType, match="DocumentTeleported"):
        decode(orjson.dumps(raw))


def test_a_time_without_a_zone_is_refused() -> None:
    raw = orjson.loads(encode(registered()))
    raw["occurred_at"] = "2026-01-02T03:00:00"
    with pytest.raises(ValueError, match="timezone info"):
        decode(orjson.dumps(raw))


def test_an_old_event_still_loads_after_its_class_changes() -> None:
    class ParcelWeighed(EventData):
        """A test event at schema version 2: grams became kilograms."""

        SCHEMA_VERSION = 2
        kilograms: float

    @register_upcaster("ParcelWeighed", 1)
    def grams_to_kilograms(data: dict) -> dict:  # type: ignore[type-arg]
        return {"kilograms": data["grams"] / 1000}

    old = orjson.loads(encode(registered()))
    old.update(type="ParcelWeighed", schema_version=1, data={"grams": 1500})
    event = decode(orjson.dumps(old))
    assert event.data == ParcelWeighed(kilograms=1.5)
    assert event.schema_version == 2
    del EventData.registry["ParcelWeighed"]


def test_event_data_is_frozen_and_rejects_unknown_fields() -> None:
    data = Delivered(
        dossier_id=uuid.uuid4(),
        letter_id=uuid.uuid4(),
        recipient_name="Andi",
        relationship=Relationship.SELF,
        note="",
    )
    with pytest.raises(ValueError):
        data.recipient_name = "someone else"  # type: ignore[misc]
    with pytest.raises(ValueError):
        Delivered.model_validate({**data.model_dump(), "extra": 1})


@given(registrations())
def test_an_entry_read_back_from_the_log_is_the_event_at_its_position(event):  # type: ignore[no-untyped-def]
    fields = {b"event": encode_for_log(event), b"type": event.type.encode()}
    read = decode_entry(event.position.encode(), fields)
    assert read == event
    assert read.occurred_at.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("event_id",), "not-a-uuid"),
        (("occurred_at",), "2026-01-02T03:00:00"),  # no zone
        (("version",), -1),
        (("actor", "role"), "JANITOR"),
        (("data", "dossier_id"), 42),
        (("data", "document_type"), "PASSPORT"),
        (("data", "nik"), None),
        (("data", "unexpected"), "field"),
    ],
)
def test_an_entry_with_a_field_out_of_its_type_is_refused_when_read_from_the_log(
    path: tuple[str, ...], value: object
) -> None:
    stored = orjson.loads(encode_for_log(registered().model_copy(update={"version": 1})))
    *parents, name = path
    part = stored
    for parent in parents:
        part = part[parent]
    part[name] = value
    fields = {b"event": orjson.dumps(stored), b"type": b"DocumentRegistered"}
    with pytest.raises(ValueError):
        decode_entry(b"7-0", fields)


def test_an_entry_whose_type_field_names_another_event_is_read_as_its_json_says() -> None:
    event = registered().model_copy(update={"version": 1, "position": "7-0"})
    fields = {b"event": encode_for_log(event), b"type": b"Delivered"}
    assert decode_entry(b"7-0", fields) == event
    assert decode_entry(b"7-0", {**fields, b"type": b"NoSuchEvent"}) == event


def test_an_entry_of_an_older_schema_version_is_upcast_when_read_from_the_log() -> None:
    class CrateStacked(EventData):
        """A test event at schema version 2: a count became a list of layers."""

        SCHEMA_VERSION = 2
        layers: list[int]

    @register_upcaster("CrateStacked", 1)
    def count_to_layers(data: dict) -> dict:  # type: ignore[type-arg]
        return {"layers": [1] * data["count"]}

    try:
        old = orjson.loads(encode(registered()))
        old.update(type="CrateStacked", schema_version=1, data={"count": 3})
        event = decode_entry(b"9-1", {b"event": orjson.dumps(old), b"type": b"CrateStacked"})
        assert event.data == CrateStacked(layers=[1, 1, 1])
        assert (event.schema_version, event.position) == (2, "9-1")
    finally:
        del EventData.registry["CrateStacked"]
