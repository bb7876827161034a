"""`jasa log archive`: an office's finished history leaves Redis for the audit archive
(services/reporting/trimming.py says how, and why a run cut off anywhere loses nothing).
The reporting service runs the same every JASA_ARCHIVE_EVERY seconds.

For tests only: JASA_TEST_KILL_ARCHIVE_AT=STEP[:N] makes the command kill itself (SIGKILL)
the Nth time (default 1) its run reaches STEP ("checked", "marked", "recorded", "trimmed",
"keys copied"), so a test can crash a real process at a known point."""

import os
import signal
from pathlib import Path
from typing import Annotated

import typer

from services.cli.audit import Office, connected, console, public_key_of, reporting_failures
from services.cli.offices import served_office
from services.reporting.config import ReportingSettings
from services.reporting.export import SegmentBroken, export_segments, segment_flaw
from services.reporting.run_lock import ArchivingBusy
from services.reporting.trimming import CannotTrim, Step, archive_log
from shared.db import make_engine

KILL_AT = "JASA_TEST_KILL_ARCHIVE_AT"

log_commands = typer.Typer(help="The office log: archive it, export its sealed past.")


def archive(
    hot_days: Annotated[
        int | None,
        typer.Option(min=0, help="keep the last N days in Redis; default JASA_HOT_DAYS (90)"),
    ] = None,
    public_key: Annotated[
        str | None,
        typer.Option(help="the public key that checks the checkpoints (base64, PEM, a file)"),
    ] = None,
    office: Office = None,
) -> None:
    """Move the finished past of the log from Redis to the archive.

    Events older than the hot window whose dossiers are delivered or received back are
    checked against the archive's chain and checkpoints, recorded as a LogArchived event and
    trimmed from Redis; their dossiers' data keys move to the archive too. Every reader still
    sees them. A second run does nothing more."""

    async def run() -> int:
        async with connected(office=office) as c:
            key = public_key_of(public_key, c.settings)
            days = c.settings.hot_days if hot_days is None else hot_days
            try:
                done = await archive_log(
                    c.log, c.sessions, key, days,
                    step=killed_at(os.environ.get(KILL_AT, "")),
                    trim_step=c.settings.trim_step,
                    lock_lease_s=c.settings.archive_lock_lease_s,
                )  # fmt: skip
            except (CannotTrim, ArchivingBusy) as error:
                console.print(str(error), markup=False, soft_wrap=True)
                return 1
        if done.events or done.batches:
            typer.echo(
                f"archived and trimmed {done.events} events from Redis up to {done.up_to} "
                f"({done.batches} batch{'es' if done.batches != 1 else ''})"
            )
        else:
            typer.echo(
                f"nothing to archive: no finished event older than {days} days is "
                "sealed by a signed checkpoint and still in Redis"
            )
        if done.keys_moved:
            typer.echo(
                f"the data keys of {done.keys_moved} finished dossiers and letters moved from "
                "Redis to the archive"
            )
        return 0

    raise typer.Exit(reporting_failures(run))


def export(
    to: Annotated[Path, typer.Option(help="the folder the segments are written to")],
    office: Office = None,
) -> None:
    """Write the archive's sealed past as files for cold storage.

    One segment per signed checkpoint: the events as gzipped JSON Lines (each line the bytes
    the audit chain hashed) and the checkpoints that seal them. Segments written before are
    kept."""

    async def run() -> int:
        settings = ReportingSettings()
        engine = make_engine(settings.resolved_database_url())
        try:
            done = await export_segments(engine, served_office(settings, office), to)
        except SegmentBroken as error:
            console.print(f"{error}: run `jasa audit verify`", markup=False, soft_wrap=True)
            return 1
        finally:
            await engine.dispose()
        typer.echo(f"{done.written} segments written to {to} ({done.kept} there already)")
        return 0

    raise typer.Exit(reporting_failures(run))


def check_export(
    folder: Annotated[Path, typer.Argument(help="a folder `jasa log export` wrote")],
    public_key: Annotated[
        str | None,
        typer.Option(help="the public key that checks the checkpoints (base64, PEM, a file)"),
    ] = None,
) -> None:
    """Check exported segments against their signed checkpoints.

    Each segment's chain is recomputed from the previous checkpoint's hash, and both
    checkpoints' signatures checked with the public key: no database is needed."""
    key = public_key_of(public_key, ReportingSettings())
    seals = sorted(folder.glob("*.checkpoint.json"))
    flaws = [(seal.name, flaw) for seal in seals if (flaw := segment_flaw(seal, key))]
    for name, flaw in flaws:
        typer.echo(f"{name}: {flaw}")
    typer.echo(f"{len(seals) - len(flaws)} of {len(seals)} segments hold their checkpoints")
    raise typer.Exit(1 if flaws or not seals else 0)


def killed_at(wanted: str) -> Step:
    """The step hook of JASA_TEST_KILL_ARCHIVE_AT (for tests): nothing when it is unset."""
    name, _, nth = wanted.partition(":")
    seen = 0

    async def step(reached: str) -> None:
        nonlocal seen
        if name and reached == name:
            seen += 1
            if seen == int(nth or 1):
                os.kill(os.getpid(), signal.SIGKILL)

    return step


def register(app: typer.Typer) -> None:
    log_commands.command("archive")(archive)
    log_commands.command("export")(export)
    log_commands.command("check-export")(check_export)
    app.add_typer(log_commands, name="log")
