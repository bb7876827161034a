"""`jasa registry load FILE.csv [--office X]`: load one office's population registry the FO
checks documents against, into the intake database (the same one the service uses; it need
not run)."""

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from services.cli.offices import served_office
from services.intake.config import IntakeSettings
from services.intake.registry import (
    LoadSummary,
    RegistryFileError,
    load_registry,
    parse_registry_csv,
)
from shared.db import create_tables, make_engine

registry = typer.Typer(help="Load the population registry documents are checked against.")


async def _load(database_url: str, text: str, office: str) -> LoadSummary:
    engine = make_engine(database_url)
    try:
        await create_tables(engine)
        return await load_registry(engine, parse_registry_csv(text), office=office)
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
    office: Annotated[
        str | None, typer.Option(help="the office whose registry this is; default JASA_OFFICE")
    ] = None,
) -> None:
    """Load (or reload) an office's registry from a CSV file.

    All of it, or nothing when a row is bad."""
    settings = IntakeSettings()
    office = served_office(settings, office)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        typer.echo(f"{file}: not a UTF-8 text file ({error})", err=True)
        raise typer.Exit(1) from error
    try:
        summary = asyncio.run(_load(settings.resolved_database_url(), text, office))
    except RegistryFileError as error:
        for problem in error.problems:
            typer.echo(f"{file}: {problem}", err=True)
        typer.echo(f"{file}: nothing was loaded", err=True)
        raise typer.Exit(1) from error
    typer.echo(
        f"registry of office {office} loaded from {file}: {summary.added} added, "
        f"{summary.updated} updated, {summary.unchanged} unchanged"
    )


def register(app: typer.Typer) -> None:
    app.add_typer(registry, name="registry")
