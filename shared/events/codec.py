"""Canonical encoding: the same event gives the same bytes, every time (the audit chain
hashes them). Keys sorted, no insignificant white space, UTF-8, times in UTC with `Z`.

Old events keep loading after their class changes: `register_upcaster` adds a step that
turns data of one schema version into the next, and `decode` applies them in turn."""

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import msgspec
import orjson
from pydantic import BaseModel

from shared.events import catalogue as _catalogue  # noqa: F401  (fills the registry)
from shared.events.builders import Builder
from shared.events.envelope import Envelope, EventData
from shared.events.mirror import Decoder, envelope_reader

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


_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_UTC_Z


def _dumps(obj: Any) -> bytes:
    return orjson.dumps(obj, option=_OPTIONS)


class _NotPlain(TypeError):
    """A value orjson cannot write as pydantic's JSON mode would: take the slow path."""


_plain_classes: dict[type[BaseModel], bool] = {}


def _is_plain(cls: type[BaseModel]) -> bool:
    """A model whose JSON is exactly its fields' values: no serializers, aliases, exclusions."""
    plain = _plain_classes.get(cls)
    if plain is None:
        decorators = cls.__pydantic_decorators__
        plain = not (
            decorators.field_serializers
            or decorators.model_serializers
            or cls.model_computed_fields
            or cls.model_config.get("extra") == "allow"
            or any(f.exclude or f.alias or f.serialization_alias for f in cls.model_fields.values())
        )
        _plain_classes[cls] = plain
    return plain


def _fields_of(value: Any) -> dict[str, Any]:
    # orjson writes UUIDs, UTC times (with Z), enums (their value) and tuples as pydantic's
    # JSON mode does; a model is written as its fields. Anything else (sets, bytes, Decimal,
    # a model with its own serializer) makes orjson fail, and the caller takes the slow way.
    if isinstance(value, BaseModel) and _is_plain(type(value)):
        return value.__dict__
    raise _NotPlain


def _canonical(envelope: Envelope, exclude: str | None) -> bytes:
    """orjson straight from the models: the bytes of `model_dump(mode="json")`, sooner."""
    if _is_plain(type(envelope)):
        fields = envelope.__dict__
        if exclude is not None:
            fields = {k: v for k, v in fields.items() if k != exclude}
        try:
            return orjson.dumps(fields, default=_fields_of, option=_OPTIONS)
        except orjson.JSONEncodeError:
            pass  # something orjson does not write as pydantic does: the certain way below
    return _dumps(envelope.model_dump(mode="json", exclude={exclude} if exclude else None))


def encode(envelope: Envelope) -> bytes:
    """The canonical bytes of a whole event, position included (what the audit chain hashes)."""
    return _canonical(envelope, None)


def encode_for_log(envelope: Envelope) -> bytes:
    """What a stream entry stores: the position is the entry's own id, so it is left out."""
    return _canonical(envelope, "position")


def _upcast(type_name: str, version: int, data: dict[str, Any], target: int) -> dict[str, Any]:
    while version < target:
        step = _upcasters.get((type_name, version))
        if step is None:
            raise ValueError(f"no upcaster for {type_name} from schema version {version}")
        data = step(data)
        version += 1
    return data


def decode(raw: bytes | str | Mapping[str, Any], position: str | None = None) -> Envelope:
    """An event from its JSON; an unknown type is an `UnknownEventType` error."""
    loaded = orjson.loads(raw) if isinstance(raw, bytes | str) else raw
    if not isinstance(loaded, Mapping):
        raise ValueError(f"an event is a JSON object, not {type(loaded).__name__}")
    fields = dict(loaded)
    type_name = fields.get("type")
    data_class = EventData.registry.get(type_name) if isinstance(type_name, str) else None
    if data_class is None:
        raise UnknownEventType(type_name)
    version = int(fields.get("schema_version", 1))
    data = _upcast(
        data_class.__name__, version, dict(fields.get("data") or {}), data_class.SCHEMA_VERSION
    )
    fields["data"] = data_class.model_validate(data)
    fields["schema_version"] = data_class.SCHEMA_VERSION
    if position is not None:
        fields["position"] = position
    return Envelope.model_validate(fields)


def decode_entry(entry_id: bytes | str, fields: Mapping[bytes, bytes]) -> Envelope:
    """An event from a stream entry (id, fields) as Redis returns it."""
    return decode_stored(entry_id, fields.get(TYPE_FIELD), fields.get(EVENT_FIELD))


def decode_stored(entry_id: bytes | str, kind: bytes | None, raw: bytes | None) -> Envelope:
    """An event from a stream entry's id and its `type` and `event` fields (None if absent)."""
    position = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
    if raw is None:
        raise ValueError(f"log entry {position} holds no event")
    if kind:
        reader = _readers.get(kind)
        if reader is None or EventData.registry.get(reader.type_name) is not reader.data_class:
            reader = _reader_of(kind)
        if reader is not None:
            try:
                checked = reader.decoder.decode(raw)
                if (
                    checked.type == reader.type_name
                    and checked.schema_version == reader.data_class.SCHEMA_VERSION
                ):
                    return reader.build(checked, {"position": position})  # type: ignore[no-any-return]
            except (msgspec.MsgspecError, ValueError):
                pass
    return decode(raw, position=position)


# Each event type's envelope has a msgspec mirror (shared.events.mirror) that checks the
# stored JSON bytes in one pass, in a fifth of pydantic's time, and a builder that makes the
# models of what it checked without validating twice. Only for an event of its type's
# current schema version; anything else (an unknown type, an old version to upcast, bytes
# the mirror refuses) takes `decode`, which accepts or raises as it always did. A reader is
# kept per `type` field as stored, and used while the registry holds the same class.
class Reader(NamedTuple):
    type_name: str
    data_class: type[EventData]
    decoder: Decoder
    build: Builder


_readers: dict[bytes, Reader] = {}


def _reader_of(kind: bytes) -> Reader | None:
    type_name = kind.decode("utf-8", "replace")
    data_class = EventData.registry.get(type_name)
    mirror = envelope_reader(data_class) if data_class is not None else None
    if mirror is None or data_class is None:
        return None  # not remembered: a log could name endless types that are not events
    reader = _readers[kind] = Reader(type_name, data_class, *mirror)
    return reader
