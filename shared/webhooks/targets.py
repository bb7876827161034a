"""Where a webhook may go. In production an endpoint must be `https` and every address its
name resolves to must be public: no loopback, private, link-local (the cloud metadata
service, 169.254.169.254), shared, multicast or reserved address. The name is resolved
again at every send, and the call is pinned to the address just checked (the URL names
the address; the `Host` header and TLS's SNI and certificate check keep the name), so a
DNS answer that changes between the check and the connection cannot swap it.

Outside production, `JASA_WEBHOOK_ALLOW_PRIVATE=true` lets development and tests call a
receiver on the loopback; without it the same checks hold there too."""

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeTarget(ValueError):
    """An endpoint this installation refuses to call, with a sentence saying why."""


@dataclass(frozen=True, slots=True)
class TargetPolicy:
    require_https: bool = True
    public_only: bool = True

    @classmethod
    def for_environment(cls, env: str, allow_private: bool) -> "TargetPolicy":
        production = env == "production"
        return cls(require_https=production, public_only=production or not allow_private)


@dataclass(frozen=True, slots=True)
class Target:
    """What one call connects to: the URL (its host an address once checked), and the
    name for the `Host` header and TLS (None when the URL is called as written)."""

    url: httpx.URL
    host_header: str | None = None  # the URL's own host[:port]
    tls_name: str | None = None  # the name TLS sends (SNI) and checks the certificate for


def check_url(url: str, policy: TargetPolicy) -> str:
    """The URL if its form is acceptable (the address is checked at each send)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise UnsafeTarget(f"an endpoint is an http(s) URL, not {parts.scheme or 'no'} scheme")
    if policy.require_https and parts.scheme != "https":
        raise UnsafeTarget("in production an endpoint must use https")
    if not parts.hostname:
        raise UnsafeTarget("an endpoint URL needs a host")
    if parts.username or parts.password:
        raise UnsafeTarget("an endpoint URL may not carry a user name or password")
    if parts.fragment:
        raise UnsafeTarget("an endpoint URL has no #fragment")
    return url


def _unsafe(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return not address.is_global or address.is_multicast or address.is_reserved


async def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address `host` resolves to (without blocking the event loop)."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    try:
        answers = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise UnsafeTarget(f"{host} does not resolve: {error.strerror}") from None
    found = [ipaddress.ip_address(str(sockaddr[0]).split("%")[0]) for *_, sockaddr in answers]
    return list(dict.fromkeys(found))


async def checked_target(url: str, policy: TargetPolicy) -> Target:
    """The target of one call, checked now; UnsafeTarget when it may not be called."""
    check_url(url, policy)
    parsed = httpx.URL(url)
    if not policy.public_only:
        return Target(parsed)
    host = parsed.host
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    addresses = await resolve(host, port)
    refused = [address for address in addresses if _unsafe(address)]
    if refused or not addresses:
        raise UnsafeTarget(
            f"{host} resolves to {refused[0] if refused else 'no address'}, which is not a "
            "public address: webhooks go only to public addresses"
        )
    pinned = parsed.copy_with(host=str(addresses[0]))
    tls_name = host if parsed.scheme == "https" else None
    return Target(pinned, host_header=parsed.netloc.decode("ascii"), tls_name=tls_name)
