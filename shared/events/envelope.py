"""The one envelope every event travels in, and the base of every event's data."""

from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, ClassVar, Generic, TypeVar
from uuid import UUID, uuid4

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    SerializeAsAny,
    ValidationInfo,
    field_validator,
)

from shared.vocabulary import Role


class FrozenModel(BaseModel):
    # Only the JSON's keys are looked up in pydantic's string cache: the values of a stored
    # event (ids, sealed fields, times) are seldom the same twice, and looking each one up
    # cost more than making it (bench/RESULTS.md, twenty-third session).
    model_config = ConfigDict(frozen=True, extra="forbid", cache_strings="keys")


# A time must carry its zone, checked in pydantic's core rather than by a Python validator
# called once per event read: the log writes every time in UTC, so a time read back is UTC
# as parsed, and `new_event` turns a time given in another zone into UTC.
UtcDatetime = AwareDatetime


class EventData(FrozenModel):
    """Base of every event's `data`. A subclass is one event type of the catalogue."""

    SCHEMA_VERSION: ClassVar[int] = 1
    registry: ClassVar[dict[str, type["EventData"]]] = {}

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        EventData.registry[cls.__name__] = cls

    @classmethod
    def type_name(cls) -> str:
        return cls.__name__


class Actor(FrozenModel):
    """The digital initials (paraf): always taken from the caller's token."""

    officer_id: str
    name: str
    role: Role


D = TypeVar("D", bound=EventData)


class Envelope(FrozenModel, Generic[D]):
    """One event. `Envelope[SomeEvent]` is the envelope of one event type: the log's reader
    validates an event's envelope and data in one step with it, and it equals the plain
    `Envelope` of the same fields."""

    event_id: UUID
    type: str
    stream_id: str
    version: int = Field(ge=0, description="1-based within its stream; 0 until appended")
    position: str | None = Field(
        default=None, validate_default=True, description="its id in the global log"
    )
    occurred_at: UtcDatetime
    office: str
    actor: Actor
    correlation_id: UUID
    causation_id: UUID | None = None
    schema_version: int
    data: SerializeAsAny[D]

    # The log's reader validates an event's JSON as stored, and gives where it found it (the
    # entry's id, not a field of the JSON) as context: no copy of the envelope to add it.
    @field_validator("position")
    @classmethod
    def _position_in_the_log(cls, position: str | None, info: ValidationInfo) -> str | None:
        return info.context["position"] if info.context else position


def at(position: str | None) -> dict[str, str] | None:
    """The validation context of an event read at `position` in the log (see `Envelope`)."""
    return None if position is None else {"position": position}


def with_fields(envelope: Envelope, **changes: Any) -> Envelope:
    """The envelope with some fields changed and not validated again: the log stamps the
    version and position it gave, which it has already checked."""
    return envelope.model_copy(update=changes)


def with_data_fields(data: D, **changes: Any) -> D:
    """`with_fields` for an event's data: the personal data of every event read is revealed
    this way."""
    return data.model_copy(update=changes)


@lru_cache(maxsize=4096)
def id_text(value: UUID) -> str:
    """`str(value)`, remembered for the ids last asked for: folding a page of events names the
    same dossiers, recaps and letters again and again."""
    return str(value)


def _in_utc(value: datetime) -> datetime:
    """An aware time in UTC; a naive one is left for validation to refuse."""
    return value.astimezone(UTC) if value.utcoffset() is not None else value


def new_event(
    data: EventData,
    *,
    stream_id: str,
    actor: Actor,
    office: str,
    correlation_id: UUID | None = None,
    causation_id: UUID | None = None,
    event_id: UUID | None = None,
    occurred_at: datetime | None = None,
) -> Envelope:
    """An event not yet appended: the log assigns its version and position."""
    event_id = event_id or uuid4()
    return Envelope(
        event_id=event_id,
        type=data.type_name(),
        stream_id=stream_id,
        version=0,
        occurred_at=_in_utc(occurred_at) if occurred_at else datetime.now(UTC),
        office=office,
        actor=actor,
        correlation_id=correlation_id or event_id,
        causation_id=causation_id,
        schema_version=data.SCHEMA_VERSION,
        data=data,
    )
