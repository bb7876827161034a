"""`jasa webhooks`: the office's webhook endpoints (Standard Webhooks v1) and the messages
that could not be delivered. It reads and writes Redis directly, where the courier service
keeps them, so it works whether or not the services run; the courier service picks up
every change at its next send."""

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

import orjson
import typer
from redis.asyncio import Redis
from redis.exceptions import RedisError

from services.cli import installation
from services.cli.offices import served_office
from services.courier.config import CourierSettings
from services.courier.queries import endpoint_public, failed_public
from shared.keys import Keys
from shared.master_key import InsecureKey, load_or_create_master_key
from shared.webhooks.endpoints import EVENT_TYPES
from shared.webhooks.office import OfficeWebhooks
from shared.webhooks.policy import parse_duration
from shared.webhooks.sender import now_ms
from shared.webhooks.targets import UnsafeTarget, checked_target
from shared.wib import WIB

webhooks = typer.Typer(
    help="The office's webhook endpoints and undelivered messages.", no_args_is_help=True
)
T = TypeVar("T")
Office = Annotated[str | None, typer.Option(help="the office; default JASA_OFFICE")]
AsJson = Annotated[bool, typer.Option("--json", help="print it as JSON")]
EndpointId = Annotated[str, typer.Argument(help="the endpoint")]


@webhooks.callback()
def _group() -> None:
    """The office's webhook endpoints and undelivered messages."""


def _run(office: str | None, work: Callable[[OfficeWebhooks], Awaitable[T]]) -> T:
    """`work` on the office's webhooks, in the installation this command finds."""
    settings = CourierSettings()
    redis_url = installation.redis_url(settings)
    keys = Keys(served_office(settings, office), settings.key_prefix)
    try:
        master_key = load_or_create_master_key(settings, create=False)
    except InsecureKey as error:
        installation.refuse(f"{error} (give JASA_PII_KEY or JASA_DATA_DIR)")

    async def run() -> T:
        redis = Redis.from_url(redis_url, socket_connect_timeout=5)
        try:
            return await work(OfficeWebhooks.of(redis, keys, master_key))
        finally:
            await redis.aclose()

    try:
        return asyncio.run(run())
    except (RedisError, OSError) as error:
        installation.refuse(f"cannot reach Redis: {error}")


def _on_endpoint(
    office: str | None, endpoint_id: str, work: Callable[[OfficeWebhooks], Awaitable[T | None]]
) -> T:
    """`work` on one endpoint of the office; an endpoint it does not have is refused."""
    done = _run(office, work)
    if not done:
        installation.refuse(f"there is no endpoint {endpoint_id}")
    return done


def _events(given: list[str]) -> list[str]:
    events = [part.strip() for value in given for part in value.split(",") if part.strip()]
    unknown = [event for event in events if event not in EVENT_TYPES]
    if unknown:
        known = ", ".join(EVENT_TYPES)
        raise typer.BadParameter(f"{unknown[0]} is not one of {known}", param_hint="--events")
    return list(dict.fromkeys(events))


def _print_json(value: Any) -> None:
    typer.echo(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode())


def _shown(moment: datetime | None) -> str:
    return moment.astimezone(WIB).strftime("%Y-%m-%d %H:%M WIB") if moment else "-"


@webhooks.command("add")
def add(
    url: Annotated[str, typer.Argument(help="where to send: the third party's https URL")],
    office: Office = None,
    events: Annotated[
        list[str] | None,
        typer.Option(help=f"only these ({', '.join(EVENT_TYPES)}); default all"),
    ] = None,
    description: Annotated[str, typer.Option(help="whose endpoint it is")] = "",
) -> None:
    """Add an endpoint; prints its id and its secret.

    The secret (whsec_...) is shown only now: give it to the third party, and nobody else.
    In production the URL must be https and resolve to a public address."""
    chosen = _events(events or [])
    targets = CourierSettings().webhook_targets()

    async def work(hooks: OfficeWebhooks) -> tuple[str, str]:
        try:
            await checked_target(url, targets)
        except UnsafeTarget as refused:
            raise typer.BadParameter(str(refused), param_hint="URL") from None
        endpoint, secret = await hooks.endpoints.add(url, chosen, description.strip(), now_ms())
        return endpoint.id, secret

    endpoint_id, secret = _run(office, work)
    typer.echo(f"endpoint: {endpoint_id}")
    typer.echo(f"secret:   {secret}")
    typer.echo(f"events:   {', '.join(chosen) or 'all (' + ', '.join(EVENT_TYPES) + ')'}")
    typer.echo("Give the secret to the third party and nobody else; it is not shown again.")


@webhooks.command("list")
def list_endpoints(office: Office = None, as_json: AsJson = False) -> None:
    """List the endpoints; a disabled one says when and why."""
    endpoints = _run(office, lambda hooks: hooks.endpoints.all())
    shown = [endpoint_public(endpoint) for endpoint in endpoints]
    if as_json:
        _print_json([endpoint.model_dump(mode="json") for endpoint in shown])
        return
    if not shown:
        typer.echo("no webhook endpoint yet (jasa webhooks add URL)")
    for endpoint in shown:
        state = "enabled" if endpoint.enabled else f"DISABLED {_shown(endpoint.disabled_at)}"
        typer.echo(f"{endpoint.endpoint_id}  {endpoint.url}  {state}")
        typer.echo(f"  events: {', '.join(endpoint.events) or 'all'}  {endpoint.description}")
        if not endpoint.enabled:
            typer.echo(f"  why: {endpoint.disabled_reason} (jasa webhooks enable ID)")
        elif endpoint.failing_since:
            typer.echo(f"  failing since {_shown(endpoint.failing_since)}")


@webhooks.command("remove")
def remove(endpoint_id: EndpointId, office: Office = None) -> None:
    """Remove an endpoint; what it was still owed is not sent."""
    _on_endpoint(office, endpoint_id, lambda hooks: hooks.endpoints.remove(endpoint_id))
    typer.echo(f"endpoint {endpoint_id} removed")


@webhooks.command("rotate-secret")
def rotate_secret(endpoint_id: EndpointId, office: Office = None) -> None:
    """Give an endpoint a new secret, the old one signing beside it.

    Until JASA_WEBHOOK_ROTATION_GRACE (24h) has passed, every call carries both
    signatures, so the third party can switch to the new secret at its own pace."""
    grace_s = CourierSettings().webhook_policy().rotation_grace_s
    secret = _on_endpoint(
        office, endpoint_id, lambda hooks: hooks.endpoints.rotate(endpoint_id, now_ms(), grace_s)
    )
    typer.echo(f"secret:   {secret}")
    typer.echo(f"The old secret signs beside it for {grace_s / 3600:g} h more.")


@webhooks.command("enable")
def enable(endpoint_id: EndpointId, office: Office = None) -> None:
    """Enable a disabled endpoint again (then replay what failed)."""
    _on_endpoint(office, endpoint_id, lambda hooks: hooks.endpoints.enable(endpoint_id))
    typer.echo(f"endpoint {endpoint_id} enabled; `jasa webhooks replay --since ...` resends")


@webhooks.command("failed")
def failed(
    office: Office = None,
    as_json: AsJson = False,
    limit: Annotated[int, typer.Option(min=1, help="at most this many")] = 100,
) -> None:
    """List the messages that used all their attempts.

    Each can be sent again with `jasa webhooks replay`. Exit 0: none; 1: there are some
    (so that a monitor can alert)."""

    async def work(hooks: OfficeWebhooks) -> tuple[int, list[Any]]:
        return await hooks.outbox.failed_count(), await hooks.outbox.failed_messages(limit=limit)

    count, messages = _run(office, work)
    shown = [failed_public(message) for message in messages]
    if as_json:
        _print_json({"count": count, "items": [m.model_dump(mode="json") for m in shown]})
    elif not shown:
        typer.echo("no failed webhook message")
    for message in [] if as_json else shown:
        typer.echo(
            f"{message.message_id}  {message.type}  to {message.endpoint_id}  "
            f"made {_shown(message.created_at)}  tried {message.attempts}x"
        )
        typer.echo(f"  {message.last_error}")
    if not as_json and count > len(shown):
        typer.echo(f"... and {count - len(shown)} more")
    raise typer.Exit(1 if count else 0)


def since_ms(text: str) -> int:
    """A moment given as a duration ago (`2h`, `3d`) or a date and time (WIB unless it says)."""
    try:
        return now_ms() - int(parse_duration(text) * 1000)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(
            "a duration ago (2h, 3d) or a date and time (2026-12-06T08:00)", param_hint="--since"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=WIB)
    return int(moment.astimezone(UTC).timestamp() * 1000)


@webhooks.command("replay")
def replay(
    message_id: Annotated[str | None, typer.Argument(help="the message (its webhook-id)")] = None,
    since: Annotated[
        str | None, typer.Option(help="every failed message made since: 2h, 3d or a date")
    ] = None,
    office: Office = None,
) -> None:
    """Send a message again, with the same webhook-id.

    Give the message's id, or --since to send again every failed message made since then."""
    if (message_id is None) == (since is None):
        raise typer.BadParameter("give a MESSAGE_ID or --since, one of them")
    if message_id is not None:
        if not _run(office, lambda hooks: hooks.outbox.replay(message_id, now_ms())):
            installation.refuse(f"there is no message {message_id} (or it is no longer kept)")
        typer.echo(f"message {message_id} queued again")
        return
    assert since is not None
    start = since_ms(since)
    replayed = _run(office, lambda hooks: hooks.outbox.replay_failed_since(start, now_ms()))
    typer.echo(f"{len(replayed)} failed message{'' if len(replayed) == 1 else 's'} queued again")


def register(app: typer.Typer) -> None:
    app.add_typer(webhooks, name="webhooks")
