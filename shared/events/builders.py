"""How a Struct checked by its mirror (shared.events.mirror) becomes its pydantic model, as
validating its JSON would have made it, without validating twice: nested models built too,
times in UTC, a field left out at its default and not "set".

Each Struct type gets its own small function, written out field by field and compiled once
(as `dataclasses` writes `__init__`): the attributes read straight into the model's dict, no
intermediate dict, no loop over the fields. Reading the log builds two models per event, and
a generic loop over the fields cost more than everything else of the event's decoding."""

import keyword
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import msgspec
from msgspec import UNSET
from pydantic import BaseModel

Builder = Callable[[Any, dict[str, Any] | None], Any]
How = Literal["as is", "model", "shared", "time"]
REQUIRED = object()


@dataclass(frozen=True, slots=True)
class Field:
    """One field of a model and what its Struct's value needs to become the model's."""

    name: str
    how: How  # as is; a nested model (of `struct`); one instance per value (`_shared`); a time
    may_be_none: bool = False
    default: Any = REQUIRED  # when the JSON leaves the field out (it is UNSET in the Struct)
    struct: type[msgspec.Struct] | None = None


_builders: dict[type[msgspec.Struct], Builder] = {}


def builder_of(struct: type[msgspec.Struct]) -> Builder:
    """The builder of a Struct type: `builder(struct, extra or None)` is the pydantic model
    of a checked Struct, `extra` fields set on top (as `with_fields` would set them)."""
    return _builders[struct]


# A time as the log writes it (the mirror reads it as text): RFC 3339 with its zone, at
# most microseconds. Pydantic and msgspec read finer fractions (and other forms)
# differently; these they read alike.
_TIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?(?:Z|[+-][0-9]{2}:[0-9]{2})"
)


def _utc(text: str) -> datetime:
    """The time (ValueError if not of the form above, or for a day that does not exist)."""
    if _TIME.fullmatch(text) is None:
        raise ValueError(f"not a time as the log writes it: {text!r}")
    made = datetime.fromisoformat(text)
    # The log writes UTC (`Z`): such a time is already what `astimezone(UTC)` gives.
    return made if made.tzinfo is UTC else made.astimezone(UTC)


# Models that recur from event to event (a handful of officers act in thousands of events):
# one frozen instance serves every event that holds the same values.
_SHARED_AT_MOST = 4096
_built: dict[msgspec.Struct, Any] = {}


def _shared(struct: msgspec.Struct) -> Any:
    made = _built.get(struct)
    if made is None:
        if len(_built) >= _SHARED_AT_MOST:
            _built.clear()
        made = _built[struct] = _builders[type(struct)](struct, None)
    return made


# What `object.__setattr__` does on a model, in half its time: the slot descriptors of
# BaseModel (the same for every model) set directly.
_SLOTS = {
    f"_set_{name}": BaseModel.__dict__[f"__{prefix}{name}__"].__set__
    for prefix, name in [("", "dict"), ("pydantic_", "fields_set"), ("pydantic_", "extra"),
                         ("pydantic_", "private")]
}  # fmt: skip


def register(struct: type[msgspec.Struct], model: type[BaseModel], fields: list[Field]) -> None:
    """Compile the builder of `struct` (its nested models' Structs registered before it)."""
    scope: dict[str, Any] = {"_new": object.__new__, "_model": model, "UNSET": UNSET,
                             "_shared": _shared, "_utc": _utc, **_SLOTS}  # fmt: skip
    required = [repr(field.name) for field in fields if field.default is REQUIRED]
    lines = ["def build(s, extra):", f"    given = {{{', '.join(required)}}}" if required else
             "    given = set()"]  # fmt: skip
    values = []
    for n, field in enumerate(fields):
        assert field.name.isidentifier() and not keyword.iskeyword(field.name), field.name
        value, convert = f"s.{field.name}", _conversion(field, n, scope)
        if field.default is REQUIRED and not (convert and field.may_be_none):
            values.append(f"{field.name!r}: {convert.format(value) if convert else value}")
            continue
        lines.append(f"    v{n} = {value}")
        indent = "    "
        if field.default is not REQUIRED:
            scope[f"_default{n}"] = field.default
            lines += [f"    if v{n} is UNSET:", f"        v{n} = _default{n}", "    else:",
                      f"        given.add({field.name!r})"]  # fmt: skip
            indent = "        "
        if convert:
            converted = f"v{n} = {convert.format(f'v{n}')}"
            if field.may_be_none:
                lines += [f"{indent}if v{n} is not None:", f"{indent}    {converted}"]
            else:
                lines.append(indent + converted)
        values.append(f"{field.name!r}: v{n}")
    lines += [
        f"    values = {{{', '.join(values)}}}",
        "    if extra:",
        "        values.update(extra)",
        "        given.update(extra)",
        "    made = _new(_model)",
        "    _set_dict(made, values)",
        "    _set_fields_set(made, given)",
        "    _set_extra(made, None)",
        "    _set_private(made, None)",
        "    return made",
    ]
    exec("\n".join(lines), scope)  # the text made above, from field names checked
    _builders[struct] = scope["build"]


def _conversion(field: Field, n: int, scope: dict[str, Any]) -> str | None:
    """The call (a format string) that turns the Struct's value into the model's."""
    if field.how == "time":
        return "_utc({})"
    if field.how == "shared":
        return "_shared({})"
    if field.how == "model":
        assert field.struct is not None
        scope[f"_build{n}"] = _builders[field.struct]
        return f"_build{n}({{}}, None)"
    return None
