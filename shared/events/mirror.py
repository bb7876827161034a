"""Each event type's envelope mirrored as a msgspec Struct, to read stored events fast.

Reading the log is what replay and every consumer do most: pydantic validates an envelope
from JSON in about 5 µs, msgspec checks the same schema in about 1 µs. The pydantic models
stay the one definition of an event; a Struct is derived from them here, field by field, and
only from what it can mirror exactly: text, whole numbers (with their bounds), UUIDs, times
with their zone, enums, tuples, optional values and nested models, no unknown fields. A
model with anything else (its own validators, other constraints, other types) has no mirror
and is always read by pydantic.

msgspec is stricter than pydantic's lax mode (a number written as text, say), never looser:
what it rejects is read again by pydantic, which accepts it or raises as it always did. What
it accepts becomes the pydantic models without validating twice (`shared.events.builders`)."""

import keyword
import types
from datetime import datetime
from enum import Enum
from typing import Annotated, Any, Union, get_args, get_origin
from uuid import UUID

import annotated_types
import msgspec
from msgspec import UNSET, UnsetType
from pydantic import AfterValidator, BaseModel
from pydantic.fields import FieldInfo

from shared.events.builders import REQUIRED, Builder, Field, How, builder_of, register
from shared.events.envelope import Actor, Envelope, EventData, _as_utc

__all__ = ["envelope_decoder", "envelope_reader", "struct_of"]

Decoder = msgspec.json.Decoder[Any]


class _NoMirror(TypeError):
    """A field msgspec cannot check exactly as pydantic does."""


_SCALARS = (str, UUID)
# Whole numbers msgspec checks (64 bits, signed): a larger one, it would read where orjson
# (`decode`) may not; it is left to `decode`.
_INT_MIN, _INT_MAX = -(2**63), 2**63 - 1
# Models that recur from event to event (a handful of officers act in thousands of events):
# one frozen instance serves every event that holds the same values.
SHARED: frozenset[type[BaseModel]] = frozenset({Actor})

_structs: dict[type[BaseModel], type[msgspec.Struct]] = {}


def _field_type(info: FieldInfo) -> Any:
    lowest, utc = _INT_MIN, False
    for rule in info.metadata:
        if isinstance(rule, annotated_types.Ge) and info.annotation is int:
            lowest = max(lowest, int(rule.ge))  # type: ignore[call-overload]
        elif isinstance(rule, AfterValidator) and rule.func is _as_utc:
            utc = True
        else:
            raise _NoMirror(rule)
    if lowest != _INT_MIN:
        return Annotated[int, msgspec.Meta(ge=lowest, le=_INT_MAX)]
    return _type(info.annotation, utc)


def _type(annotation: Any, utc: bool = False) -> Any:
    origin, args = get_origin(annotation), get_args(annotation)
    if annotation is datetime and utc:
        return str  # read by the builder (`_utc`)
    if annotation is int:
        return Annotated[int, msgspec.Meta(ge=_INT_MIN, le=_INT_MAX)]
    if annotation in _SCALARS or (isinstance(annotation, type) and issubclass(annotation, Enum)):
        return annotation
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return struct_of(annotation)
    if origin in (Union, types.UnionType) and len(args) == 2 and type(None) in args:
        (inner,) = (a for a in args if a is not type(None))
        return _type(inner, utc) | None
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis and args[0] is not datetime:
        item = _type(args[0])
        if isinstance(item, type) and issubclass(item, msgspec.Struct):
            raise _NoMirror(annotation)  # the builder makes models of fields, not of their items
        return tuple[item, ...]  # type: ignore[valid-type]
    raise _NoMirror(annotation)


def _inner(annotation: Any) -> Any:
    """The type an optional field holds when it holds one."""
    args = get_args(annotation)
    if get_origin(annotation) in (Union, types.UnionType) and type(None) in args:
        return next(a for a in args if a is not type(None))
    return annotation


def struct_of(model: type[BaseModel], **replaced: type[BaseModel]) -> type[msgspec.Struct]:
    """The Struct of a model (`replaced` fields of another model); `_NoMirror` if it has none."""
    known = _structs.get(model) if not replaced else None
    if known is not None:
        return known
    decorators = model.__pydantic_decorators__
    if (
        decorators.validators
        or decorators.field_validators
        or decorators.root_validators
        or decorators.model_validators
        or model.model_config.get("extra") != "forbid"
    ):
        raise _NoMirror(model)
    fields: list[tuple[str, Any] | tuple[str, Any, Any]] = []
    plan = []
    for name, info in model.model_fields.items():
        if info.alias or info.validation_alias or info.default_factory is not None:
            raise _NoMirror(name)
        if not name.isidentifier() or keyword.iskeyword(name):
            raise _NoMirror(name)  # the builder is written out with its fields' names
        kind = struct_of(replaced[name]) if name in replaced else _field_type(info)
        if info.is_required():
            fields.append((name, kind))
        else:  # left out, it is UNSET: the builder knows which fields the JSON gave
            fields.append((name, kind | UnsetType, UNSET))
        inner = _inner(info.annotation)
        how: How = "as is"
        if inner in SHARED:
            how = "shared"
        elif name in replaced or (isinstance(inner, type) and issubclass(inner, BaseModel)):
            how = "model"
        elif inner is datetime:
            how = "time"
        default = REQUIRED if info.is_required() else info.default
        nested = struct_of(replaced.get(name, inner)) if how == "model" else None
        plan.append(Field(name, how, inner is not info.annotation, default, nested))
    # Not tracked by the garbage collector: a Struct lives only until its model is built,
    # and JSON makes no cycles. (Every object it tracks brings the next collection nearer.)
    struct = msgspec.defstruct(f"{model.__name__}Mirror", fields, kw_only=True, frozen=True,
                               forbid_unknown_fields=True, gc=False)  # fmt: skip
    register(struct, model, plan)
    if not replaced:
        _structs[model] = struct
    return struct


_envelope_readers: dict[type[EventData], tuple[Decoder, Builder] | None] = {}


def envelope_decoder(data_class: type[EventData]) -> Decoder | None:
    """A decoder of envelopes whose data is `data_class`, or None if it has no mirror."""
    reader = envelope_reader(data_class)
    return reader[0] if reader is not None else None


def envelope_reader(data_class: type[EventData]) -> tuple[Decoder, Builder] | None:
    """The decoder of envelopes whose data is `data_class` and the builder of what it
    decodes, or None if it has no mirror."""
    # The builder is looked up by the Struct the decoder was made from: msgspec types a
    # decoder's `.type` as any type form, so it cannot be read back from the decoder.
    if data_class not in _envelope_readers:
        try:
            struct = struct_of(Envelope, data=data_class)
        except _NoMirror:
            _envelope_readers[data_class] = None
        else:
            _envelope_readers[data_class] = (msgspec.json.Decoder(struct), builder_of(struct))
    return _envelope_readers[data_class]
