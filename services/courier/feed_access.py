"""The third party's own Redis user: it reads the courier feed with its own consumer
group and acknowledges, and can do nothing else.

The ACL allows one key (the feed) and only the commands a stream consumer needs:
XREADGROUP and XACK; XPENDING, XCLAIM and XAUTOCLAIM to pick up what one of its own
consumers left pending; XGROUP CREATE, which FastStream issues on every start (the group
already exists, so it changes nothing); PING. No XRANGE/XREAD/XADD/XDEL, no other key, no
KEYS, CONFIG, ACL or FLUSH*. Redis cannot limit a user to one group name: a user that
knows another third party's group name on the same feed could read from it.

On a Redis Cluster each node keeps its own users, so the user is made (and deleted) on every
node, replicas included: after a failover, the promoted replica lets the third party in as
its primary did. A cluster client also asks where the slots are and which keys a command
names (`CLUSTER_CLIENT_COMMANDS`); the user may do that, and only there."""

import re
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from redis import Redis
from redis.exceptions import ResponseError

from shared.keys import Keys
from shared.redis_client import SyncRedis, every_node

FEED_COMMANDS = (
    "ping",
    "xreadgroup",
    "xack",
    "xpending",
    "xclaim",
    "xautoclaim",
    "xgroup|create",
)
# What a cluster client asks of a node to find its way: where the slots are and which keys
# a command names. Each answers the topology, nothing of the data.
CLUSTER_CLIENT_COMMANDS = ("cluster|slots", "cluster|shards", "command", "readonly")
_VALID_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_GLOB_SPECIAL = re.compile(r"([*?\[\]\\])")


class InvalidName(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class FeedAccess:
    name: str
    password: str
    url: str
    stream: str
    group: str
    rotated: bool
    nodes: tuple[str, ...] = ()  # the nodes (HOST:PORT) that know the user


def check_name(name: str) -> str:
    if not _VALID_NAME.fullmatch(name) or name == "default":
        raise InvalidName(
            "the name must be 1 to 64 letters, digits, '.', '_' or '-', "
            "start with a letter or digit, and not be 'default'"
        )
    return name


def feed_user_rules(feed_key: str, password: str, cluster: bool = False) -> list[str]:
    """ACL SETUSER rules: everything reset, then one key and the consumer's commands (and,
    on a cluster, what a cluster client asks to find the node of the key)."""
    pattern = _GLOB_SPECIAL.sub(r"\\\1", feed_key)
    allowed = FEED_COMMANDS + (CLUSTER_CLIENT_COMMANDS if cluster else ())
    commands = [f"+{command}" for command in allowed]
    return ["reset", "on", f">{password}", f"~{pattern}", "resetchannels", "-@all", *commands]


def connection_url(admin_url: str, name: str, password: str, address: str | None) -> str:
    parts = urlsplit(admin_url)
    if address is None:
        address = f"{parts.hostname or '127.0.0.1'}:{parts.port or 6379}"
    return f"{parts.scheme or 'redis'}://{name}:{password}@{address}/0"


def provision(
    admin: SyncRedis, keys: Keys, admin_url: str, name: str, address: str | None = None
) -> FeedAccess:
    """Create the user on every node and its group on the feed, or give an existing user a
    new password (everywhere)."""
    check_name(name)
    password = secrets.token_urlsafe(32)
    rules = feed_user_rules(keys.courier_feed, password, cluster=not isinstance(admin, Redis))
    with every_node(admin, admin_url) as nodes:
        existed = any(node.acl_getuser(name) is not None for node in nodes)
        for node in nodes:
            node.execute_command("ACL", "SETUSER", name, *rules)
            if existed:  # sessions on the old password
                node.execute_command("CLIENT", "KILL", "USER", name)
            _persist(node)
        addresses = tuple(_address(node) for node in nodes)
    try:
        admin.xgroup_create(keys.courier_feed, name, id="0", mkstream=True)
    except ResponseError as error:
        if "BUSYGROUP" not in str(error):
            raise
    return FeedAccess(
        name=name,
        password=password,
        url=connection_url(admin_url, name, password, address),
        stream=keys.courier_feed,
        group=name,
        rotated=existed,
        nodes=addresses,
    )


def revoke(admin: SyncRedis, admin_url: str, name: str) -> bool:
    """Delete the user on every node (Redis drops its connections); its group stays with
    what it acked."""
    check_name(name)
    deleted = False
    with every_node(admin, admin_url) as nodes:
        for node in nodes:
            deleted = bool(node.acl_deluser(name)) or deleted
            _persist(node)
    return deleted


def _address(node: Redis) -> str:
    options = node.connection_pool.connection_kwargs
    return f"{options.get('host', '127.0.0.1')}:{options.get('port', 6379)}"


def _persist(admin: Redis) -> None:
    """Write the users to the ACL file when Redis keeps one; otherwise they live in memory."""
    aclfile = admin.config_get("aclfile").get("aclfile")
    if aclfile:
        admin.acl_save()
