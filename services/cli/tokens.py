"""`jasa token ROLE --officer-id ID --name NAME`: print a token for an officer."""

from datetime import timedelta
from typing import Annotated

import typer

from services.cli import installation
from services.cli.offices import served_office
from shared.identity import issue_token
from shared.settings import CommonSettings
from shared.vocabulary import Role


def token(
    role: Annotated[Role, typer.Argument(help="FO, KASUBBAG_UMUM, SEKRETARIS, COURIER or AUDITOR")],
    officer_id: Annotated[str, typer.Option("--officer-id", help="the officer's id (NIP)")],
    name: Annotated[str, typer.Option("--name", help="the officer's name, as on the card")],
    office: Annotated[
        str | None, typer.Option(help="office code, one of JASA_OFFICES; default JASA_OFFICE")
    ] = None,
    hours: Annotated[float, typer.Option(help="how many hours the token is valid")] = 12.0,
) -> None:
    """Print a signed token for an officer.

    It is signed with the installation's secret: JASA_SECRET, else the data dir's."""
    settings = CommonSettings()
    if not officer_id.strip() or not name.strip():
        raise typer.BadParameter("officer id and name must not be empty")
    if not hours > 0:  # also refuses nan
        raise typer.BadParameter(
            f"must be a positive number of hours, not {hours:g}", param_hint="--hours"
        )
    secret = installation.secret(settings)
    typer.echo(
        issue_token(
            secret,
            role=role,
            officer_id=officer_id.strip(),
            name=name.strip(),
            office=served_office(settings, office),
            ttl=timedelta(hours=hours),
        )
    )


def register(app: typer.Typer) -> None:
    app.command("token")(token)
