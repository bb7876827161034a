"""An example for the third party: receive every ready handover of the courier feed.

Needs only what `jasa courier provision NAME` printed:

    COURIER_FEED_URL='redis://NAME:PASSWORD@HOST:PORT/0' \\
    COURIER_FEED_STREAM='jasa:{1471}:courier-feed' \\
        faststream run --factory examples.courier_subscriber:create_app

On a Redis Cluster, also set COURIER_FEED_CLUSTER=true; the URL may name any node that
`jasa courier provision` listed, and the broker finds the one that holds the feed, after a
failover too. The consumer group is the user's own name (taken from the URL). A manifest is
acknowledged after `on_ready_handover` returns; if it raises, the entry stays pending
for the group and is read again (XAUTOCLAIM) by the second subscriber below. Each entry
is one signed cover letter with the documents to deliver; there is no NIK in it."""

import logging
import os
import socket
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from faststream import AckPolicy, FastStream
from faststream.redis import RedisBroker, RedisClusterBroker, StreamSub
from pydantic import BaseModel

log = logging.getLogger("courier-feed")


class Document(BaseModel):
    dossier_id: str
    name: str
    address: str
    phone: str
    document_type: str
    document_number: str
    delivery_status: str


class Manifest(BaseModel):
    letter_id: str
    letter_number: str
    status: str
    documents: list[Document]


async def log_handover(manifest: Manifest) -> None:
    """Replace with the third party's own work: plan the route, print the labels, ..."""
    log.info(
        "handover %s (letter %s): %d documents",
        manifest.letter_id,
        manifest.letter_number,
        len(manifest.documents),
    )


def build_broker(
    url: str,
    stream: str,
    on_ready_handover: Callable[[Manifest], Awaitable[None]] = log_handover,
    reclaim_after_ms: int = 60_000,
    cluster: bool = False,
) -> RedisBroker:
    group = urlsplit(url).username or ""
    consumer = f"{group}-{socket.gethostname()}-{os.getpid()}"
    broker = RedisClusterBroker(url) if cluster else RedisBroker(url)

    async def handle(manifest: Manifest) -> None:
        await on_ready_handover(manifest)

    for sub in (
        StreamSub(stream, group=group, consumer=consumer),
        StreamSub(stream, group=group, consumer=consumer, min_idle_time=reclaim_after_ms),
    ):
        broker.subscriber(stream=sub, ack_policy=AckPolicy.NACK_ON_ERROR)(handle)
    return broker


def create_app() -> FastStream:
    stream = os.environ.get("COURIER_FEED_STREAM", "jasa:{1471}:courier-feed")
    cluster = os.environ.get("COURIER_FEED_CLUSTER", "").lower() in ("1", "true", "yes")
    return FastStream(build_broker(os.environ["COURIER_FEED_URL"], stream, cluster=cluster))
