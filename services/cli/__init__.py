"""`jasa`: the command-line tool of an installation. Each group of commands lives in its
own module and is registered here."""

import typer

from services.cli import (
    archiving,
    audit,
    courier,
    dead_letters,
    officers,
    privacy,
    registry,
    tokens,
    up,
    webhooks,
)
from services.cli.demo import command as demo

app = typer.Typer(
    name="jasa",
    help="Jasa Dukcapil: delivery of civil registry documents, kept as an event log.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)


@app.callback()
def _group() -> None:
    """Jasa Dukcapil: delivery of civil registry documents, kept as an event log."""


tokens.register(app)
officers.register(app)
audit.register(app)
archiving.register(app)
courier.register(app)
webhooks.register(app)
privacy.register(app)
dead_letters.register(app)
registry.register(app)
up.register(app)
demo.register(app)


def main() -> None:
    app()
