"""The AsyncAPI document is FastStream's, made from the brokers the consumers run on: per
office served, the log as the service's consumer group reads it, what the service appends to
the log and, for the courier, the feed, each bound to its real Redis key; every reference
resolves."""

import json
from collections.abc import Sequence
from typing import Any

from faststream.redis import RedisBroker
from pydantic import BaseModel
from redis.asyncio import Redis

from services.courier.main import SPEC as COURIER
from services.courier.queries import HandoverPublic
from shared.asyncapi import asyncapi_document, describe_appends
from shared.consumer import ConsumerOptions, EventConsumer
from shared.events import Delivered, Envelope, EventData
from shared.keys import Keys
from tests.asyncapi_support import dangling, references, resolve

OFFICES = [Keys("1471", "test-x:"), Keys("1401", "test-x:")]


async def ignore(_: Envelope) -> None:
    pass


def document_of(
    publishes: Sequence[type[EventData]], feed: type[BaseModel] | None = None
) -> dict[str, Any]:
    """The document of a service that appends `publishes`, as its consumers' brokers say."""
    brokers = []
    for keys in OFFICES:
        broker = RedisBroker("redis://:sekret@127.0.0.1:1/0")
        describe_appends(broker, keys, publishes, feed)
        options = ConsumerOptions(group="courier", consumer="c1")
        EventConsumer(broker, Redis.from_url("redis://127.0.0.1:1"), keys, options, ignore)
        brokers.append(broker)
    return asyncapi_document("t", brokers, [keys.office for keys in OFFICES])


def bound_to(channel: dict[str, Any]) -> tuple[str, str]:
    redis = channel["bindings"]["redis"]
    return redis["channel"], redis["method"]


def test_every_office_has_its_read_log_its_appends_and_its_feed_each_bound_to_its_key() -> None:
    channels = document_of(COURIER.publishes, COURIER.feed)["channels"]
    assert sorted(bound_to(channel) for channel in channels.values()) == [
        ("test-x:jasa:{1401}:courier-feed", "xadd"),
        ("test-x:jasa:{1401}:log", "xadd"),
        ("test-x:jasa:{1401}:log", "xreadgroup"),
        ("test-x:jasa:{1471}:courier-feed", "xadd"),
        ("test-x:jasa:{1471}:log", "xadd"),
        ("test-x:jasa:{1471}:log", "xreadgroup"),
    ]
    reader = channels["test-x:jasa:{1401}:log:courier"]
    assert reader["bindings"]["redis"]["groupName"] == "courier"
    assert "office 1401" in reader["description"]


def test_a_service_that_appends_nothing_has_only_its_reading_of_each_log() -> None:
    channels = document_of([])["channels"]
    assert [bound_to(channel) for channel in channels.values()] == [
        (keys.log, "xreadgroup") for keys in OFFICES
    ]


def test_what_the_service_appends_is_offered_and_what_it_reads_is_an_envelope() -> None:
    # AsyncAPI 2.x speaks from the other side: others subscribe to what the service sends.
    document = document_of([Delivered])
    channels = document["channels"]
    appended = channels["test-x:jasa:{1471}:log:append"]["subscribe"]["message"]
    delivered = resolve(document, resolve(document, appended["$ref"])["payload"]["$ref"])
    assert delivered["title"] == "Envelope[Delivered]"
    assert delivered["properties"]["data"] == {"$ref": "#/components/schemas/Delivered"}
    assert "Delivered" in channels["test-x:jasa:{1471}:log:append"]["description"]
    read = channels["test-x:jasa:{1471}:log:courier"]["publish"]["message"]
    schema = resolve(document, resolve(document, read["$ref"])["payload"]["$ref"])
    assert schema["items"] == {"$ref": "#/components/schemas/Envelope"}


def test_the_feed_carries_the_manifest_and_no_nik() -> None:
    document = document_of(COURIER.publishes, COURIER.feed)
    schemas = document["components"]["schemas"]
    assert set(HandoverPublic.model_fields) == set(schemas["HandoverPublic"]["properties"])
    manifest = json.dumps(schemas["HandoverPublic"]) + json.dumps(schemas["DocumentPublic"])
    assert '"nik"' not in manifest


def test_every_reference_resolves_and_no_password_is_shown() -> None:
    document = document_of(COURIER.publishes, COURIER.feed)
    assert list(references(document)), "the document references its components"
    assert dangling(document) == []
    text = json.dumps(document)
    assert "$defs" not in text, "nested definitions would be copies, and their refs dangle"
    assert "sekret" not in text
