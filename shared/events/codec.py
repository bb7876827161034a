"""Canonical encoding: the same event gives the same bytes, every time (the audit chain
hashes them). Keys sorted, no insignificant white space, UTF-8, times in UTC with `Z`.

Old events keep loading after their class changes: `register_upcaster` adds a step that
turns data of one schema version into the next, and `decode` applies them in turn."""

from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

import orjson
from pydantic import TypeAdapter

from shared.events import catalogue as _catalogue  # noqa: F401  (fills the registry)
from shared.events.envelope import Envelope, EventData, at

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
_upcasters: dict[tuple[str, int], Upcaster] = {}

# The field of a stream entry that holds the event; `type` sits beside it so that a reader
# can filter without parsing JSON.
EVENT_FIELD = b"event"
TYPE_FIELD = b"type"


class UnknownEventType(ValueError):
    def __init__(self, type_name: object) -> None:
        super().__init__(f"unknown event type {type_name!r}: not in the catalogue")
        self.type_name = type_name


def register_upcaster(type_name: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
    """Register the step from `from_version` to `from_version + 1` of one event type."""

    def register(step: Upcaster) -> Upcaster:
        _upcasters[(type_name, from_version)] = step
        return step

    return register


def _canonical(envelope: Envelope, exclude: set[str] | None) -> bytes:
    # Pydantic's JSON mode decides how each value is written (UUIDs, enums, UTC times with
    # `Z`); orjson only sorts the keys and writes the JSON without white space.
    return orjson.dumps(
        envelope.model_dump(mode="json", exclude=exclude), option=orjson.OPT_SORT_KEYS
    )


def encode(envelope: Envelope) -> bytes:
    """The canonical bytes of a whole event, position included (what the audit chain hashes)."""
    return _canonical(envelope, None)


def encode_for_log(envelope: Envelope) -> bytes:
    """What a stream entry stores: the position is the entry's own id, so it is left out."""
    return _canonical(envelope, {"position"})


def _upcast(type_name: str, version: int, data: dict[str, Any], target: int) -> dict[str, Any]:
    while version < target:
        step = _upcasters.get((type_name, version))
        if step is None:
            raise ValueError(f"no upcaster for {type_name} from schema version {version}")
        data = step(data)
        version += 1
    return data


def decode(raw: bytes | str | Mapping[str, Any], position: str | None = None) -> Envelope:
    """An event from its JSON; an unknown type is an `UnknownEventType` error, bytes that are
    not an event of its type a `ValueError` (pydantic's `ValidationError` is one). An event
    stored under an older schema version is upcast to its type's current one first."""
    loaded = orjson.loads(raw) if isinstance(raw, bytes | str) else raw
    if not isinstance(loaded, Mapping):
        raise ValueError(f"an event is a JSON object, not {type(loaded).__name__}")
    fields = dict(loaded)
    type_name = fields.get("type")
    data_class = EventData.registry.get(type_name) if isinstance(type_name, str) else None
    if data_class is None:
        raise UnknownEventType(type_name)
    try:
        version = int(fields.get("schema_version", 1))
    except (TypeError, ValueError):
        raise ValueError(f"schema_version {fields.get('schema_version')!r} is no number") from None
    data = fields.get("data") or {}
    if not isinstance(data, Mapping):
        raise ValueError(f"an event's data is a JSON object, not {type(data).__name__}")
    if version != data_class.SCHEMA_VERSION:
        fields["data"] = _upcast(
            data_class.__name__, version, dict(data), data_class.SCHEMA_VERSION
        )
        fields["schema_version"] = data_class.SCHEMA_VERSION
    return envelope_of(data_class).model_validate(fields, context=at(position))


@cache
def envelope_of(data_class: type[EventData]) -> type[Envelope]:
    """The envelope of one event type, which validates envelope and data in one step; kept,
    since pydantic's look-up of a parametrized model costs as much as the validation."""
    return Envelope[data_class]  # type: ignore[valid-type]


def decode_entry(entry_id: bytes | str, fields: Mapping[bytes, bytes]) -> Envelope:
    """An event from a stream entry (id, fields) as Redis returns it. Its JSON is validated
    as it is, in one step, against the type the entry's `type` field names (a copy kept for
    readers that filter entries without parsing them); an event of an older schema version,
    or whose JSON names another type, is read by `decode` instead, which upcasts or refuses."""
    position = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
    raw = fields.get(EVENT_FIELD)
    if raw is None:
        raise ValueError(f"log entry {position} holds no event")
    named = _named_by(fields.get(TYPE_FIELD, b""))
    if named is not None:
        validate_json, type_name, schema_version = named
        try:
            envelope: Envelope = validate_json(raw, context=at(position))
        except ValueError:
            pass
        else:
            if envelope.type == type_name and envelope.schema_version == schema_version:
                return envelope
    return decode(raw, position=position)


@cache
def _named_by(type_field: bytes) -> tuple[Callable[..., Envelope], str, int] | None:
    """The JSON validator of the envelope, the name and the current schema version of the
    event type an entry's `type` field names, if it names one. The validator is the model's
    own, as its TypeAdapter publishes it, called directly: `model_validate_json` would first
    sort out keyword options the reader never passes, once for every event read."""
    data_class = EventData.registry.get(type_field.decode(errors="replace"))
    if data_class is None:
        return None
    validator = TypeAdapter(envelope_of(data_class)).validator
    return validator.validate_json, data_class.type_name(), data_class.SCHEMA_VERSION
