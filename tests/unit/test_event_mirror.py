"""Stored events are read through msgspec mirrors of the pydantic models (shared.events.mirror).
Whatever the bytes, reading an entry must end as pydantic alone would end: the same envelope,
or the same error."""

from datetime import datetime
from typing import Any
from uuid import UUID

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import Field, ValidationError, field_validator

from shared.events import CATALOGUE, Actor, EventData, decode, decode_entry, encode_for_log
from shared.events.mirror import envelope_decoder
from shared.vocabulary import Role
from tests.factories import registered
from tests.unit.test_canonical_encoding import events

POSITION = "1700000000000-7"


def pydantic_alone(raw: bytes) -> Any:
    try:
        return decode(raw, position=POSITION)
    except Exception as refused:
        return type(refused)


def through_the_mirror(kind: str, raw: bytes) -> Any:
    try:
        return decode_entry(POSITION.encode(), {b"type": kind.encode(), b"event": raw})
    except Exception as refused:
        return type(refused)


def test_every_event_type_of_the_catalogue_has_a_mirror() -> None:
    assert all(envelope_decoder(data_class) is not None for data_class in CATALOGUE)


# What a writer other than this log could have put in an entry: each a change to the JSON.
def _set(path: tuple[str, ...], value: Any):  # type: ignore[no-untyped-def]
    def change(fields: dict[str, Any]) -> None:
        *parents, last = path
        for name in parents:
            fields = fields[name]
        fields[last] = value

    return change


def _drop(path: tuple[str, ...]):  # type: ignore[no-untyped-def]
    def change(fields: dict[str, Any]) -> None:
        *parents, last = path
        for name in parents:
            fields = fields[name]
        fields.pop(last, None)

    return change


CHANGES = {
    "unknown top-level field": _set(("extra",), 1),
    "unknown data field": _set(("data", "extra"), "x"),
    "unknown actor field": _set(("actor", "extra"), "x"),
    "no occurred_at": _drop(("occurred_at",)),
    "no causation_id": _drop(("causation_id",)),
    "position written in": _set(("position",), "1-1"),
    "no data": _drop(("data",)),
    "no actor role": _drop(("actor", "role")),
    "version as text": _set(("version",), "5"),
    "version negative": _set(("version",), -1),
    "version true": _set(("version",), True),
    "version as float": _set(("version",), 3.0),
    "time without zone": _set(("occurred_at",), "2026-11-24T08:00:00"),
    "time in WIB": _set(("occurred_at",), "2026-11-24T08:00:00+07:00"),
    "time as number": _set(("occurred_at",), 1700000000),
    "time with nanoseconds": _set(("occurred_at",), "2026-11-24T08:00:00.1234567Z"),
    "time as date": _set(("occurred_at",), "2026-11-24"),
    "no such day": _set(("occurred_at",), "2026-02-30T08:00:00Z"),
    "leap second": _set(("occurred_at",), "2026-12-31T23:59:60Z"),
    "time with a space": _set(("occurred_at",), "2026-11-24 08:00:00Z"),
    "time in lower case": _set(("occurred_at",), "2026-11-24t08:00:00z"),
    "time offset without colon": _set(("occurred_at",), "2026-11-24T08:00:00+0700"),
    "event id without hyphens": _set(("event_id",), "0" * 31 + "1"),
    "event id in braces": _set(("event_id",), "{12345678-1234-5678-1234-567812345678}"),
    "event id not a uuid": _set(("event_id",), "not-a-uuid"),
    "causation id null": _set(("causation_id",), None),
    "unknown role": _set(("actor", "role"), "LURAH"),
    "role in lower case": _set(("actor", "role"), "fo"),
    "office a number": _set(("office",), 1471),
    "data null": _set(("data",), None),
    "actor a list": _set(("actor",), ["1", "Siti", "FO"]),
    "schema version 2": _set(("schema_version",), 2),
    "type another": _set(("type",), "Delivered"),
    "version past 64 bits": _set(("version",), "<2**64 + 1>"),
    "name with a lone surrogate": _set(("actor", "name"), "<lone surrogate>"),
}


@settings(max_examples=400)
@given(events(), st.sampled_from(sorted(CHANGES)))
def test_whatever_an_entry_holds_it_reads_as_pydantic_alone_reads_it(event, change):  # type: ignore[no-untyped-def]
    fields = orjson.loads(encode_for_log(event))
    CHANGES[change](fields)
    raw = (
        orjson.dumps(fields)  # and what orjson will not write:
        .replace(b'"<lone surrogate>"', b'"\\ud800"')
        .replace(b'"<2**64 + 1>"', str(2**64 + 1).encode())
    )
    expected = pydantic_alone(raw)
    got = through_the_mirror(event.type, raw)
    if isinstance(expected, type):
        assert got is expected, change
    else:
        assert got == expected, change
        assert type(got.data) is type(expected.data)
        assert got.model_fields_set == expected.model_fields_set
        assert got.actor.model_fields_set == expected.actor.model_fields_set
        assert got.occurred_at.tzinfo == expected.occurred_at.tzinfo


def test_not_json_at_all_is_refused_as_pydantic_refuses_it() -> None:
    for raw in (b"", b"{", b"[]", b"null", b'{"type": "DocumentRegistered"}', b"\xff\xfe"):
        assert through_the_mirror("DocumentRegistered", raw) is pydantic_alone(raw)


class Stamped(EventData):
    """A test event the mirror cannot check as pydantic does: its own validator, a bound
    other than `ge`, a type msgspec would read differently."""

    code: str = Field(max_length=4)
    when: datetime

    @field_validator("code")
    @classmethod
    def upper(cls, code: str) -> str:
        return code.upper()


def test_a_model_the_mirror_cannot_copy_exactly_is_read_by_pydantic() -> None:
    try:
        assert envelope_decoder(Stamped) is None
        raw = orjson.dumps({
            "event_id": str(UUID(int=1)), "type": "Stamped", "stream_id": "s", "version": 1,
            "occurred_at": "2026-11-24T01:00:00Z", "office": "1471", "schema_version": 1,
            "actor": {"officer_id": "1", "name": "Siti", "role": "FO"}, "correlation_id":
            str(UUID(int=1)), "causation_id": None,
            "data": {"code": "abc", "when": "2026-11-24T01:00:00"},
        })  # fmt: skip
        read = through_the_mirror("Stamped", raw)
        assert read == pydantic_alone(raw)
        assert read.data.code == "ABC"
        too_long = raw.replace(b'"abc"', b'"abcde"')
        assert through_the_mirror("Stamped", too_long) is ValidationError
    finally:
        del EventData.registry["Stamped"]


def test_the_officers_who_act_are_one_instance_each_and_stay_immutable() -> None:
    one, other = registered(), registered()
    first = through_the_mirror(one.type, encode_for_log(one))
    second = through_the_mirror(other.type, encode_for_log(other))
    assert first.actor is second.actor
    assert first.actor == Actor.model_validate(other.actor.model_dump())
    assert first.actor.role is Role(other.actor.role)
    with pytest.raises(ValidationError):
        first.actor.name = "someone else"  # type: ignore[misc]
