"""The AsyncAPI document of a service: for every office it serves, that office's log (the
events the service appends there and the ones it reads from it) and, for the courier, that
office's feed. Channels are named by their Redis keys, prefix included. Every message and
every schema is declared once under `components` and referenced from there.

AsyncAPI 2.x names a channel's operations from the other side: `subscribe` lists what the
service sends (others subscribe to it), `publish` what it receives."""

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from shared.events import Envelope, EventData
from shared.keys import Keys

FEED_ENTRY = "CourierFeedEntry"


def _message_ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/messages/{name}"}


def _event_message(event: type[EventData], data_schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": event.type_name(),
        "title": event.type_name(),
        "summary": (event.__doc__ or event.type_name()).strip().splitlines()[0],
        "contentType": "application/json",
        "payload": {
            "allOf": [
                {"$ref": "#/components/schemas/Envelope"},
                {
                    "type": "object",
                    "properties": {
                        "type": {"const": event.type_name()},
                        "schema_version": {"const": event.SCHEMA_VERSION},
                        "data": data_schema,
                    },
                },
            ]
        },
    }


def _feed_message(manifest_schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": FEED_ENTRY,
        "title": "Ready handover",
        "summary": "A handover whose letter is signed, with its manifest (no NIK).",
        "description": "Stream entry fields: `letter_id`, and `__data__` holding the payload "
        "as JSON (the field FastStream reads a message's body from).",
        "contentType": "application/json",
        "payload": manifest_schema,
    }


def _schemas(
    events: Sequence[type[EventData]], feed: type[BaseModel] | None
) -> tuple[dict[type[BaseModel], dict[str, Any]], dict[str, Any]]:
    """Each model's reference, and every schema they need, nested ones included, once."""
    models: list[type[BaseModel]] = [Envelope, *events, *([feed] if feed else [])]
    refs, top = models_json_schema(
        [(model, "serialization") for model in models],
        ref_template="#/components/schemas/{model}",
    )
    schemas = top.get("$defs", {})
    # An envelope's data is each event's own: the message says which.
    schemas.pop(EventData.__name__, None)
    schemas["Envelope"]["properties"]["data"] = {"type": "object"}
    return {model: refs[model, "serialization"] for model in models}, schemas


def _log_channel(keys: Keys, publishes: Sequence[str], consumes: Sequence[str]) -> dict[str, Any]:
    channel: dict[str, Any] = {
        "description": f"The global log of office {keys.office} (Redis Stream): each "
        "entry's field `event` holds one envelope, its id is the event's position."
    }
    if publishes:
        channel["subscribe"] = {
            "summary": "Events this service appends to the office's log.",
            "message": {"oneOf": [_message_ref(name) for name in publishes]},
        }
    if consumes:
        channel["publish"] = {
            "summary": "Events this service reads from the office's log (its consumer group).",
            "message": {"oneOf": [_message_ref(name) for name in consumes]},
        }
    return channel


def _feed_channel(keys: Keys) -> dict[str, Any]:
    return {
        "description": f"The courier feed of office {keys.office} (Redis Stream): one entry "
        "per handover that became ready. The third party's system reads it through its own "
        "Redis user and consumer group (`jasa courier provision`).",
        "subscribe": {
            "summary": "Ready handovers this service adds to the office's feed.",
            "message": _message_ref(FEED_ENTRY),
        },
    }


def asyncapi_document(
    title: str,
    offices: Sequence[Keys],
    publishes: Sequence[type[EventData]],
    consumes: Sequence[type[EventData]],
    feed: type[BaseModel] | None = None,
) -> dict[str, Any]:
    """The document of a service serving `offices` (each office's keys); `feed` is the
    manifest model of the courier feed, for the service that writes it."""
    events = list(dict.fromkeys((*publishes, *consumes)))
    refs, schemas = _schemas(events, feed)
    messages = {event.type_name(): _event_message(event, refs[event]) for event in events}
    if feed is not None:
        messages[FEED_ENTRY] = _feed_message(refs[feed])
    channels: dict[str, Any] = {}
    for keys in offices:
        channels[keys.log] = _log_channel(
            keys, [e.type_name() for e in publishes], [e.type_name() for e in consumes]
        )
        if feed is not None:
            channels[keys.courier_feed] = _feed_channel(keys)
    return {
        "asyncapi": "2.6.0",
        "info": {
            "title": f"{title} events",
            "version": "1",
            "description": "Channels of every office this installation serves: "
            + ", ".join(keys.office for keys in offices)
            + ".",
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "components": {"messages": messages, "schemas": schemas},
    }
