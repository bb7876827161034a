"""`jasa registry load FILE.csv`: load the population registry the FO checks documents
against, into the intake database (the same one the service uses; it need not run)."""

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from services.intake.config import IntakeSettings
from services.intake.registry import (
    LoadSummary,
    RegistryFileError,
    load_registry,
    parse_registry_csv,
)
from shared.db import create_tables, make_engine

registry = typer.Typer(help="The population registry documents are checked against.")


async def _load(database_url: str, text: str) -> LoadSummary:
    engine = make_engine(database_url)
    try:
        await create_tables(engine)
        return await load_registry(engine, parse_registry_csv(text))
    finally:
        await engine.dispose()


@registry.command("load")
def load(
    file: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            readable=True,
            help="CSV with the columns document_number, document_type, nik, name, signed",
        ),
    ],
) -> None:
    """Load (or reload) the registry from a CSV file: all of it, or nothing when a row is bad."""
    settings = IntakeSettings()
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        typer.echo(f"{file}: not a UTF-8 text file ({error})", err=True)
        raise typer.Exit(1) from error
    try:
        summary = asyncio.run(_load(settings.resolved_database_url(), text))
    except RegistryFileError as error:
        for problem in error.problems:
            typer.echo(f"{file}: {problem}", err=True)
        typer.echo(f"{file}: nothing was loaded", err=True)
        raise typer.Exit(1) from error
    typer.echo(
        f"registry loaded from {file}: {summary.added} added, {summary.updated} updated, "
        f"{summary.unchanged} unchanged"
    )


def register(app: typer.Typer) -> None:
    app.add_typer(registry, name="registry")
