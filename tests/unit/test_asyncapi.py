"""The AsyncAPI document names one log channel (and, for the courier, one feed channel) per
office served, by its real Redis key; messages and schemas are declared once in components
and only referenced from the channels, so every reference resolves."""

import json
from typing import Any

from services.courier.main import SPEC as COURIER
from services.courier.queries import HandoverPublic
from services.reporting.main import SPEC as REPORTING
from shared.asyncapi import asyncapi_document
from shared.events import CATALOGUE, Delivered, LetterSigned
from shared.keys import Keys
from tests.asyncapi_support import dangling, references, resolve

OFFICES = [Keys("1471", "test-x:"), Keys("1401", "test-x:")]


def courier_document() -> dict[str, Any]:
    return asyncapi_document(
        COURIER.title, OFFICES, COURIER.publishes, COURIER.consumes, COURIER.feed
    )


def test_every_office_served_has_its_log_and_feed_channel_named_by_its_key() -> None:
    channels = courier_document()["channels"]
    assert list(channels) == [
        "test-x:jasa:{1471}:log",
        "test-x:jasa:{1471}:courier-feed",
        "test-x:jasa:{1401}:log",
        "test-x:jasa:{1401}:courier-feed",
    ]
    assert [keys.log for keys in OFFICES] == list(channels)[::2]
    assert "office 1401" in channels["test-x:jasa:{1401}:log"]["description"]


def test_a_service_without_a_feed_has_only_the_offices_logs() -> None:
    document = asyncapi_document("t", OFFICES, REPORTING.publishes, REPORTING.consumes)
    assert list(document["channels"]) == [keys.log for keys in OFFICES]


def test_what_the_service_appends_is_subscribed_to_and_what_it_reads_is_published() -> None:
    # AsyncAPI 2.x speaks from the other side: others subscribe to what the service sends.
    log = asyncapi_document("t", OFFICES[:1], [Delivered], [LetterSigned])["channels"][
        OFFICES[0].log
    ]
    assert log["subscribe"]["message"] == {"oneOf": [{"$ref": "#/components/messages/Delivered"}]}
    assert log["publish"]["message"] == {"oneOf": [{"$ref": "#/components/messages/LetterSigned"}]}
    reader = asyncapi_document("t", OFFICES[:1], [], CATALOGUE)["channels"][OFFICES[0].log]
    assert "subscribe" not in reader, "a service that appends nothing offers nothing to read"


def test_channels_reference_messages_declared_once_whose_schemas_are_referenced_too() -> None:
    document = courier_document()
    for channel in document["channels"].values():
        for operation in ("publish", "subscribe"):
            message = channel.get(operation, {}).get("message", {})
            for item in message.get("oneOf", [message] if message else []):
                assert list(item) == ["$ref"], f"a message copied into a channel: {item}"
    messages, schemas = document["components"]["messages"], document["components"]["schemas"]
    declared = {e.type_name() for e in (*COURIER.consumes, *COURIER.publishes)}
    assert set(messages) == declared | {"CourierFeedEntry"}
    delivered = messages["Delivered"]["payload"]["allOf"]
    assert delivered[0] == {"$ref": "#/components/schemas/Envelope"}
    assert delivered[1]["properties"]["data"] == {"$ref": "#/components/schemas/Delivered"}
    feed_entry = {"$ref": "#/components/schemas/HandoverPublic"}
    assert messages["CourierFeedEntry"]["payload"] == feed_entry
    assert resolve(document, "#/components/schemas/Delivered")["properties"]["relationship"] == {
        "$ref": "#/components/schemas/Relationship"
    }
    manifest = json.dumps(schemas["HandoverPublic"]) + json.dumps(schemas["DocumentPublic"])
    assert "nik" not in manifest
    assert set(HandoverPublic.model_fields) == set(schemas["HandoverPublic"]["properties"])
    text = json.dumps(document)
    assert "$defs" not in text, "nested definitions would be copies, and their refs dangle"
    assert text.count('"Recipient Name"') == 1, "a data schema appears once, two offices or not"


def test_every_reference_in_every_services_document_resolves() -> None:
    for document in (
        courier_document(),
        asyncapi_document("t", OFFICES, REPORTING.publishes, REPORTING.consumes),
    ):
        assert list(references(document)), "the document references its components"
        assert dangling(document) == []
        envelope = document["components"]["schemas"]["Envelope"]
        assert envelope["properties"]["actor"] == {"$ref": "#/components/schemas/Actor"}
        assert envelope["properties"]["data"] == {"type": "object"}
