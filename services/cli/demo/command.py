"""`jasa demo`: load a registry and play an office day against a running system."""

import asyncio
import random
import sys
from datetime import datetime
from pathlib import Path
from random import Random
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from services.cli import installation
from services.cli.demo.api import DemoError, OfficeApi, service_urls
from services.cli.demo.applicants import applicants, registry, write_registry_csv
from services.cli.demo.day_result import DayResult
from services.cli.demo.door import SentCodes
from services.cli.demo.office_day import OfficeDay
from services.cli.demo.tables import control_card_table, delivery_report_table, summary_lines
from services.cli.offices import served_office
from services.courier.config import CourierSettings, NotifierKind
from shared.settings import CommonSettings
from shared.wib import WIB

console = Console(highlight=False)


async def load_registry(path: Path, office: str) -> str:
    """`jasa registry load FILE.csv`, as a person would run it (it writes into intake's store)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "services.cli",
        "registry",
        "load",
        str(path),
        "--office",
        office,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    text = output.decode(errors="replace").strip()
    if process.returncode != 0:
        raise DemoError(f"`jasa registry load {path}` failed:\n{text}")
    return text


def demo(
    base_url: Annotated[
        str, typer.Option(help="where the services run; ports come from JASA_PORT_BASE")
    ] = "http://127.0.0.1",
    people: Annotated[int, typer.Option("--applicants", min=8, help="applicants today")] = 300,
    seed: Annotated[int | None, typer.Option(help="the same seed plays the same day")] = None,
    patience: Annotated[
        float, typer.Option(help="seconds to wait for a service to catch up")
    ] = 60.0,
    office: Annotated[
        str | None, typer.Option(help="the office whose day it is; default JASA_OFFICE")
    ] = None,
) -> None:
    """Play an office day through the API of a running system.

    A realistic day, from registration to returns, through the HTTP API of `jasa up`."""
    settings = CommonSettings()
    office = served_office(settings, office)
    secret = installation.secret(settings)
    seed = seed if seed is not None else random.randrange(1_000_000)
    rng = Random(seed)
    today = datetime.now(WIB)
    day = applicants(people, rng, today.date())
    walk_in = applicants(1, Random(seed + 1), today.date())[0]
    rows = registry(day, rng, today.date())
    csv_path = installation.data_dir(settings) / "demo" / f"registry-{seed}.csv"
    write_registry_csv(csv_path, rows)
    console.print(f"Office day {seed}: {people} applicants; a registry of {len(rows)} documents.")
    try:
        urls = service_urls(base_url, settings.port_base)
        api = OfficeApi(urls, secret, office, patience)
        codes = SentCodes(_notification_file(settings))
        office_day = OfficeDay(api, day, walk_in, rng, codes=codes)
        result = asyncio.run(_play(api, csv_path, office, office_day))
    except DemoError as error:
        console.print(f"[bold red]jasa demo:[/bold red] {error}", soft_wrap=True)
        raise typer.Exit(1) from None
    console.print()
    for line in summary_lines(result):
        console.print(line, soft_wrap=True)
    console.print()
    console.print(delivery_report_table(result.report, today))
    console.print(control_card_table(result.control_card, result))
    card_url = f"{urls['reporting']}/control-cards/{result.control_card.get('dossier_id')}"
    console.print(f"Every control card: {card_url} (token: jasa token AUDITOR ...)")
    featured = result.featured_dossier()
    code = result.tracking_codes.get(featured) or next(iter(result.tracking_codes.values()), "")
    if code:
        console.print(f"The citizen's page, no sign-in: {settings.tracking_link(code)}")
    messages = _notification_file(settings)
    if messages is not None:
        console.print(f"Messages sent to citizens (file notifier): {messages}")


def _notification_file(settings: CommonSettings) -> Path | None:
    """Where the courier's file notifier writes, if that is the notifier in use."""
    courier = CourierSettings()
    if courier.notifier is not NotifierKind.FILE:
        return None
    return installation.data_dir(settings) / "notifications.jsonl"


async def _play(api: OfficeApi, csv_path: Path, office: str, day: OfficeDay) -> DayResult:
    try:
        await api.check_running()
        console.print(f"  {await load_registry(csv_path, office) or csv_path}", soft_wrap=True)
        columns = (
            SpinnerColumn(),
            TextColumn("{task.description:<42}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=console) as progress:
            day.progress = progress
            return await day.play()
    finally:
        await api.aclose()


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
