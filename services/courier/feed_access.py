"""The third party's own Redis user: it reads the courier feed with its own consumer
group and acknowledges, and can do nothing else.

The ACL allows one key (the feed) and only the commands a stream consumer needs:
XREADGROUP and XACK; XPENDING, XCLAIM and XAUTOCLAIM to pick up what one of its own
consumers left pending; XGROUP CREATE, which FastStream issues on every start (the group
already exists, so it changes nothing); PING. No XRANGE/XREAD/XADD/XDEL, no other key, no
KEYS, CONFIG, ACL or FLUSH*. Redis cannot limit a user to one group name: a user that
knows another third party's group name on the same feed could read from it."""

import re
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from redis import Redis
from redis.exceptions import ResponseError

from shared.keys import Keys

FEED_COMMANDS = (
    "ping",
    "xreadgroup",
    "xack",
    "xpending",
    "xclaim",
    "xautoclaim",
    "xgroup|create",
)
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


def check_name(name: str) -> str:
    if not _VALID_NAME.fullmatch(name) or name == "default":
        raise InvalidName(
            "the name must be 1 to 64 letters, digits, '.', '_' or '-', "
            "start with a letter or digit, and not be 'default'"
        )
    return name


def feed_user_rules(feed_key: str, password: str) -> list[str]:
    """ACL SETUSER rules: everything reset, then one key and the consumer's commands."""
    pattern = _GLOB_SPECIAL.sub(r"\\\1", feed_key)
    commands = [f"+{command}" for command in FEED_COMMANDS]
    return ["reset", "on", f">{password}", f"~{pattern}", "resetchannels", "-@all", *commands]


def connection_url(admin_url: str, name: str, password: str, address: str | None) -> str:
    parts = urlsplit(admin_url)
    if address is None:
        address = f"{parts.hostname or '127.0.0.1'}:{parts.port or 6379}"
    return f"{parts.scheme or 'redis'}://{name}:{password}@{address}/0"


def provision(
    admin: Redis, keys: Keys, admin_url: str, name: str, address: str | None = None
) -> FeedAccess:
    """Create the user and its group on the feed, or give an existing user a new password."""
    check_name(name)
    existed = admin.acl_getuser(name) is not None
    password = secrets.token_urlsafe(32)
    admin.execute_command("ACL", "SETUSER", name, *feed_user_rules(keys.courier_feed, password))
    if existed:
        admin.execute_command("CLIENT", "KILL", "USER", name)  # sessions on the old password
    try:
        admin.xgroup_create(keys.courier_feed, name, id="0", mkstream=True)
    except ResponseError as error:
        if "BUSYGROUP" not in str(error):
            raise
    _persist(admin)
    return FeedAccess(
        name=name,
        password=password,
        url=connection_url(admin_url, name, password, address),
        stream=keys.courier_feed,
        group=name,
        rotated=existed,
    )


def revoke(admin: Redis, name: str) -> bool:
    """Delete the user (Redis drops its connections); its group stays with what it acked."""
    check_name(name)
    deleted = bool(admin.acl_deluser(name))
    _persist(admin)
    return deleted


def _persist(admin: Redis) -> None:
    """Write the users to the ACL file when Redis keeps one; otherwise they live in memory."""
    aclfile = admin.config_get("aclfile").get("aclfile")
    if aclfile:
        admin.acl_save()
