"""`jasa up` (what `make run` runs: the whole system on this machine) and `jasa serve SERVICE`
(one service in the foreground, e.g. in a container)."""

import os
import shlex
from enum import StrEnum
from typing import Annotated, NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console

from services.cli import serving
from services.cli.supervisor import Installation, Interrupted, UpError, stop_on_signals
from services.reporting.config import ReportingSettings
from services.reporting.sealing import InsecureSigningKey, load_or_create_signing_key
from shared.identity import InsecureSecret, load_or_create_secret
from shared.settings import SERVICE_PORTS, CommonSettings

console = Console(highlight=False)
errors = Console(stderr=True, highlight=False)


class ServiceName(StrEnum):
    intake = "intake"
    approval = "approval"
    courier = "courier"
    reporting = "reporting"


def up(
    timeout: Annotated[
        float, typer.Option(help="seconds to wait for every service to be ready")
    ] = 60.0,
) -> None:
    """Start the whole system on this machine.

    A private durable Redis (unless REDIS_URL), then the four services. Ctrl-C or SIGTERM
    stops everything in order; starting again on the same data dir loses nothing."""
    installation = Installation(CommonSettings())
    with stop_on_signals(installation.stop_requested):
        try:
            installation.lock_data_dir()
            installation.check_ports()
            installation.prepare_secret()
            redis_url = installation.start_redis()
            if installation.orphan_shut_down:
                console.print("A Redis left running by an earlier `jasa up` was shut down first.")
            console.print(f"[dim]Redis: {_redacted(redis_url)}[/dim]", soft_wrap=True)
            installation.start_services()
            installation.wait_until_ready(timeout)
        except Interrupted:
            installation.stop()
            console.print("Stopped.")
            return
        except UpError as error:
            installation.stop()
            errors.print(f"[bold red]jasa up:[/bold red] {error}", soft_wrap=True)
            raise typer.Exit(1) from None
        except BaseException:
            installation.stop()
            raise
        _print_welcome(installation)
        dead = installation.watch()
        installation.stop()
    if dead is not None:
        errors.print(f"[bold red]jasa up:[/bold red] {dead}", soft_wrap=True)
        errors.print("The other services and Redis were stopped.")
        raise typer.Exit(1)
    console.print("Stopped: the services, then Redis. Everything is kept in the data dir.")


def _print_welcome(installation: Installation) -> None:
    """Plain lines rather than a table: URLs and paths stay whole, ready to copy."""
    console.print(f"\n[bold]Jasa Dukcapil is running[/bold] (data in {installation.data_dir})")
    for service in installation.services:
        console.print(
            f"  {service.name:<10} {service.url:<24} API docs {service.url}/docs", soft_wrap=True
        )
    console.print(f"Service logs: {installation.data_dir / 'logs'}/<service>.log", soft_wrap=True)
    if installation.redis_server is not None:
        redis_line = f"{installation.redis_url} (private, AOF in {installation.redis_dir})"
    else:
        redis_line = f"{_redacted(installation.redis_url)} (REDIS_URL)"
    console.print(f"Redis: {redis_line}", soft_wrap=True)
    env = _environment_prefix(installation)
    console.print("\nA token (roles FO KASUBBAG_UMUM SEKRETARIS COURIER AUDITOR), e.g. FO desk:")
    console.print(
        f'  {env}jasa token FO --officer-id 198001012005011001 --name "Siti Rahma"', soft_wrap=True
    )
    console.print(f"An office day played through the API:\n  {env}jasa demo", soft_wrap=True)
    console.print(
        f"The pages: enrol an officer, then sign in at {installation.services[0].url}/login\n"
        f'  {env}jasa officer add siti.rahma --role FO --name "Siti Rahma"',
        soft_wrap=True,
    )
    console.print("Ctrl-C stops everything.\n")
    console.file.flush()


def _environment_prefix(installation: Installation) -> str:
    """What a second terminal needs to talk to this installation (nothing for the defaults)."""
    parts = []
    if os.environ.get("JASA_DATA_DIR"):
        parts.append(f"JASA_DATA_DIR={shlex.quote(str(installation.data_dir))}")
    if installation.settings.port_base != 8000:
        parts.append(f"JASA_PORT_BASE={installation.settings.port_base}")
    return " ".join(parts) + " " if parts else ""


def _redacted(url: str) -> str:
    """A Redis URL without its password, for printing."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    credentials, _, host = rest.rpartition("@")
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user + ':' if user else ':'}***@{host}"


def serve(
    service: Annotated[ServiceName, typer.Argument(help="intake, approval, courier or reporting")],
    host: Annotated[str, typer.Option(help="address to listen on (0.0.0.0 in a container)")] = (
        "127.0.0.1"
    ),
    port: Annotated[
        int | None, typer.Option(help="default: JASA_PORT_BASE + the service's number")
    ] = None,
    log_level: Annotated[str, typer.Option(help="uvicorn log level")] = "info",
    access_log: Annotated[
        bool,
        typer.Option(
            "--access-log/--no-access-log",
            envvar="JASA_ACCESS_LOG",
            help="a line per request (never with personal data)",
        ),
    ] = True,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            envvar="WEB_CONCURRENCY",
            help="processes serving it (one per core; they share its consumer group)",
        ),
    ] = 1,
) -> None:
    """Run one service alone in the foreground.

    It uses the Redis that REDIS_URL names (e.g. in a container)."""
    name = str(service.value)
    try:
        settings = CommonSettings()
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        errors.print(f"[bold red]jasa serve:[/bold red] a setting is wrong: {problems}")
        raise typer.Exit(1) from None
    if not settings.redis_url:
        _refuse_to_serve(
            "REDIS_URL is not set; a service alone needs a running Redis (`jasa up` starts "
            "everything with its own)."
        )
    if settings.env == "production":
        try:
            load_or_create_secret(settings)
        except InsecureSecret as error:
            _refuse_to_serve(
                f"refusing to start: {error}. JASA_SECRET must be a long random value that "
                "every service of the installation shares."
            )
    if settings.env == "production" and settings.pii_key is None:
        _refuse_to_serve(
            "JASA_PII_KEY must be set in production: every service of an installation reads "
            "personal data with the same key."
        )
    if settings.env == "production" and name == "reporting":
        try:
            load_or_create_signing_key(ReportingSettings())
        except InsecureSigningKey as error:
            _refuse_to_serve(
                f"refusing to start: {error}. The auditors check the checkpoints with its "
                "public key (`jasa audit pubkey`)."
            )
            raise typer.Exit(1) from None
    port = port if port is not None else settings.port_base + SERVICE_PORTS[name]
    try:
        serving.serve(serving.Listener(name, host, port, log_level, access_log), workers)
    except OSError as error:
        errors.print(f"[bold red]jasa serve:[/bold red] cannot listen on {host}:{port}: {error}")
        raise typer.Exit(1) from None
    except serving.WorkerFailed as error:
        errors.print(f"[bold red]jasa serve:[/bold red] {error}; its log says why")
        raise typer.Exit(1) from None


def _refuse_to_serve(message: str) -> NoReturn:
    errors.print(f"[bold red]jasa serve:[/bold red] {message}", soft_wrap=True)
    raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("up")(up)
    app.command("serve")(serve)
