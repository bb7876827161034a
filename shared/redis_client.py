"""The Redis client of an installation, made in one place for the services, their consumers
and every `jasa` command: a single server's, or a Redis Cluster's.

Cluster mode is `JASA_REDIS_CLUSTER` when it is set, else what the server REDIS_URL names
says of itself (`INFO cluster`: `cluster_enabled:1`); in cluster mode REDIS_URL may name any
node, and redis-py's `RedisCluster` and FastStream's `RedisClusterBroker` find the node that
holds each office's slot (every key of an office carries its hash tag, `shared.keys`).

`JASA_REDIS_REPLICAS_ACK` replicas must hold an append before it is answered (`WAIT` on the
connection that wrote it); unset, none on a single server and one on a cluster, as Redis
replicates asynchronously and a promoted replica would lack what its primary acknowledged."""

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import redis
from faststream.redis import RedisBroker, RedisClusterBroker
from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster
from redis.backoff import NoBackoff
from redis.retry import Retry

from shared.settings import CommonSettings

log = logging.getLogger("jasa.redis")

# What the code that talks to Redis is given: one server's client or a cluster's.
AsyncRedis = Redis | RedisCluster
SyncRedis = redis.Redis | redis.RedisCluster


@dataclass(frozen=True, slots=True)
class ReplicaAcks:
    """How many replicas must hold a write before it is answered, and how long to wait."""

    replicas: int = 0
    timeout_ms: int = 1000


NO_ACKS = ReplicaAcks()


def server_is_cluster(url: str) -> bool | None:
    """Whether the server at `url` runs in cluster mode; None when it cannot be asked."""
    client = redis.Redis.from_url(
        url, socket_connect_timeout=2, socket_timeout=2, retry=Retry(NoBackoff(), 0)
    )
    try:
        return int(client.info("cluster").get("cluster_enabled", 0)) == 1
    except redis.RedisError:
        return None
    finally:
        client.close()


@dataclass(frozen=True, slots=True)
class RedisSetup:
    """Where the installation's Redis is and what it is: every client is made from this."""

    url: str
    cluster: bool
    acks: ReplicaAcks = NO_ACKS

    def client(self, **options: Any) -> AsyncRedis:
        """An asyncio client (lazy: it connects on its first command)."""
        if self.cluster:
            return RedisCluster.from_url(self.url, **options)
        return Redis.from_url(self.url, **options)

    def sync_client(self, **options: Any) -> SyncRedis:
        if self.cluster:
            return redis.RedisCluster.from_url(self.url, **options)
        return redis.Redis.from_url(self.url, **options)

    def broker(self, **options: Any) -> RedisBroker:
        """FastStream's broker on this Redis: the cluster's broker in cluster mode."""
        if self.cluster:
            return RedisClusterBroker(self.url, **options)
        return RedisBroker(self.url, **options)


def redis_setup(settings: CommonSettings, url: str | None = None) -> RedisSetup:
    """The setup for `url` (default REDIS_URL): cluster mode as set, or as the server says.

    A server that cannot be asked is taken for a single one, as before cluster mode existed
    (a service starts while Redis is down and answers 503 until it is back): a cluster whose
    node may be down when a service starts should set JASA_REDIS_CLUSTER=true."""
    url = url or settings.require_redis_url()
    cluster = settings.redis_cluster
    if cluster is None:
        answered = server_is_cluster(url)
        if answered is None:
            log.warning(
                "Redis did not answer whether it runs as a cluster; taken for a single server "
                "(set JASA_REDIS_CLUSTER to say which)"
            )
        cluster = bool(answered)
    replicas = settings.redis_replicas_ack
    if replicas is None:
        replicas = 1 if cluster else 0
    return RedisSetup(url, cluster, ReplicaAcks(replicas, settings.redis_replicas_wait_ms))


@contextlib.contextmanager
def every_node(admin: SyncRedis, url: str) -> Iterator[list[redis.Redis]]:
    """A client of each node of the cluster `admin` talks to, replicas included, as the
    cluster names them now (CLUSTER NODES; a failed node left out), each reached with the
    credentials of `url`; of a single server, `admin` itself. For what each node keeps for
    itself (ACL users). The clients made are closed on leaving."""
    if isinstance(admin, redis.Redis):
        yield [admin]
        return
    known = admin.cluster_nodes()
    addresses = [
        address.split("@")[0]
        for address, node in known.items()
        if not {"fail", "noaddr", "handshake"} & set(str(node["flags"]).split(","))
    ]
    clients = [redis.Redis.from_url(_at(url, address)) for address in addresses]
    try:
        yield clients
    finally:
        for client in clients:
            client.close()


def _at(url: str, address: str) -> str:
    """`url` with its host and port replaced by `address` (HOST:PORT)."""
    parts = urlsplit(url)
    credentials = parts.netloc.rpartition("@")[0]
    netloc = f"{credentials}@{address}" if credentials else address
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
