"""`jasa courier provision NAME [--office X]`: the third party's own Redis user for the
courier feed of one office (`jasa:{X}:courier-feed`)."""

from typing import Annotated

import typer

from services.cli import installation
from services.cli.offices import served_office
from services.courier.feed_access import InvalidName, check_name, provision, revoke
from shared.keys import Keys
from shared.redis_client import redis_setup
from shared.settings import CommonSettings

courier = typer.Typer(help="The third party's access to the courier feed.", no_args_is_help=True)


@courier.callback()
def _group() -> None:
    """The third party's access to the courier feed."""


@courier.command("provision")
def provision_command(
    name: Annotated[str, typer.Argument(help="the third party's user and group name")],
    revoke_access: Annotated[
        bool, typer.Option("--revoke", help="delete the user instead of creating it")
    ] = False,
    address: Annotated[
        str | None,
        typer.Option(help="HOST:PORT the third party connects to; default those of REDIS_URL"),
    ] = None,
    office: Annotated[
        str | None, typer.Option(help="the office whose feed it reads; default JASA_OFFICE")
    ] = None,
) -> None:
    """Create the third party's Redis user for one office's feed.

    Creates (or rotates the password of) a Redis user that may only read one office's courier
    feed with its own consumer group and acknowledge. A user reads one office's feed: give
    each office its own NAME. A REDIS_URL given must be the admin connection. On a Redis
    Cluster the user is made on every node, replicas included."""
    try:
        check_name(name)
    except InvalidName as error:
        raise typer.BadParameter(str(error), param_hint="NAME") from error
    settings = CommonSettings()
    redis_url = installation.redis_url(settings)
    keys = Keys(served_office(settings, office), settings.key_prefix)
    with redis_setup(settings, redis_url).sync_client() as admin:
        if revoke_access:
            gone = revoke(admin, redis_url, name)
            typer.echo(f"user {name} deleted" if gone else f"there was no user {name}")
            return
        access = provision(admin, keys, redis_url, name, address)
    verb = "password rotated for" if access.rotated else "created"
    typer.echo(f"{verb} user {access.name}; give the third party (and nobody else):")
    typer.echo(f"url:    {access.url}")
    typer.echo(f"stream: {access.stream}")
    typer.echo(f"group:  {access.group}")
    if len(access.nodes) > 1:  # a cluster: its client may start from any of them
        typer.echo(f"nodes:  {' '.join(access.nodes)}")


def register(app: typer.Typer) -> None:
    app.add_typer(courier, name="courier")
