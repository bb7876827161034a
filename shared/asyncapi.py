"""The AsyncAPI document of a service: the events it publishes to the office log and the
ones it consumes from it, with the envelope and each event's data schema."""

from collections.abc import Sequence
from typing import Any

from shared.events import Envelope, EventData
from shared.keys import Keys


def _message(event: type[EventData]) -> dict[str, Any]:
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
                        "data": event.model_json_schema(),
                    },
                },
            ]
        },
    }


def asyncapi_document(
    title: str,
    keys: Keys,
    publishes: Sequence[type[EventData]],
    consumes: Sequence[type[EventData]],
) -> dict[str, Any]:
    envelope = Envelope.model_json_schema()
    envelope.pop("$defs", None)
    envelope["properties"]["data"] = {"type": "object"}
    messages = {event.type_name(): _message(event) for event in (*publishes, *consumes)}
    return {
        "asyncapi": "2.6.0",
        "info": {"title": f"{title} events", "version": "1"},
        "defaultContentType": "application/json",
        "channels": {
            keys.log: {
                "description": "The office's global log (Redis Stream); each entry's field "
                "`event` holds one envelope, its id is the event's position.",
                "publish": {
                    "message": {
                        "oneOf": [
                            {"$ref": f"#/components/messages/{e.type_name()}"} for e in publishes
                        ]
                    }
                },
                "subscribe": {
                    "message": {
                        "oneOf": [
                            {"$ref": f"#/components/messages/{e.type_name()}"} for e in consumes
                        ]
                    }
                },
            }
        },
        "components": {"messages": messages, "schemas": {"Envelope": envelope}},
    }
