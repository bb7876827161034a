"""`jasa audit verify|replay|pubkey`: the auditor's tools. They read Redis and the
reporting database directly, so they work whether or not the services run. Each checks one
office (`--office`, default JASA_OFFICE): its log, its archive, its checkpoints."""

import asyncio
import contextlib
import tempfile
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from uuid import UUID

import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from redis.exceptions import RedisError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from services.cli import installation
from services.cli.offices import served_office
from services.reporting.archive import add_archive_columns
from services.reporting.config import ReportingSettings
from services.reporting.replay import Difference, differences, live_head, rebuild
from services.reporting.sealing import (
    InsecureSigningKey,
    load_or_create_signing_key,
    parse_public_key,
    public_key_text,
)
from services.reporting.verification import verify as verify_log
from shared.db import create_tables, make_engine, session_factory
from shared.events import Envelope
from shared.heap import batch_collections, freeze_heap
from shared.keys import Keys
from shared.log import EventLog
from shared.master_key import InsecureKey, load_or_create_master_key
from shared.personal_data import PersonalData, PersonalFields
from shared.privacy import SEALED_FIELDS, Privacy, WrongMasterKey, holds_sealed_data
from shared.redis_client import AsyncRedis, redis_setup
from shared.stores.tiered import tiered_store
from shared.tiered_data_keys import tiered_data_keys

audit = typer.Typer(help="Verify the log; rebuild the reports and compare them.")
console = Console(stderr=True)


@dataclass
class Connections:
    settings: ReportingSettings
    redis: AsyncRedis
    log: EventLog
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]


class WithoutKey:
    """No key of the personal data here: fine for a log that holds none sealed."""

    def __init__(self, problem: str) -> None:
        self.problem = problem

    async def seal(self, events: Iterable[Envelope]) -> list[Envelope]:
        raise InsecureKey(self.problem)

    async def reveal_all(
        self, events: Sequence[Envelope], only: PersonalFields = SEALED_FIELDS
    ) -> list[Envelope]:
        if any(holds_sealed_data(event) for event in events):
            raise InsecureKey(f"the log holds encrypted personal data, and {self.problem}")
        return list(events)

    async def seal_bytes(self, dossier_id: UUID, purpose: str, data: bytes) -> bytes | None:
        raise InsecureKey(self.problem)

    async def open_bytes(self, dossier_id: UUID, purpose: str, sealed: bytes) -> bytes | None:
        raise InsecureKey(self.problem)


Office = Annotated[
    str | None, typer.Option(help="the office whose log and archive; default JASA_OFFICE")
]


@contextlib.asynccontextmanager
async def connected(
    database_url: str | None = None, office: str | None = None, personal_data: bool = False
) -> AsyncIterator[Connections]:
    """Redis and the reporting database of one office; with `personal_data`, a log that
    reveals it as the live service does (replay must project what live projected)."""
    settings = ReportingSettings()
    office = served_office(settings, office)
    redis_url = installation.redis_url(settings)
    master_key, problem = None, ""
    if personal_data:
        try:
            master_key = load_or_create_master_key(settings, create=False)
        except InsecureKey as error:
            problem = f"{error} (give JASA_PII_KEY or JASA_DATA_DIR)"
    setup = await asyncio.to_thread(redis_setup, settings, redis_url)  # it asks the server
    redis = setup.client()
    engine = make_engine(database_url or settings.resolved_database_url())
    await create_tables(engine)
    await add_archive_columns(engine)
    try:
        keys = Keys(office, settings.key_prefix)
        privacy: PersonalData | None = None
        if master_key is not None:
            privacy = Privacy(tiered_data_keys(redis, keys, engine), keys, master_key)
        elif personal_data:
            privacy = WithoutKey(problem)
        # The log as every reader sees it: what was trimmed from Redis, read from the archive.
        log = EventLog(tiered_store(redis, keys, engine, setup.acks), keys, privacy)
        yield Connections(settings, redis, log, engine, session_factory(engine))
    finally:
        await redis.aclose()
        await engine.dispose()


def public_key_of(given: str | None, settings: ReportingSettings) -> Ed25519PublicKey:
    """The key given (text or a file holding it), else the installation's own (never a new
    one: a key made now signed nothing)."""
    if given:
        path = Path(given)
        text = path.read_text() if len(given) < 4096 and path.is_file() else given
        try:
            return parse_public_key(text)
        except ValueError as error:
            raise typer.BadParameter(f"not an Ed25519 public key: {error}") from error
    try:
        return load_or_create_signing_key(settings, create=False).public_key()
    except InsecureSigningKey as error:
        raise typer.BadParameter(f"{error}; give the auditor's --public-key") from None


def reporting_failures(run: Callable[[], Coroutine[Any, Any, int]]) -> int:
    """Run a command over an office's log (garbage collected as a batch); an unreachable
    Redis or database is a sentence and exit 2, not a trace."""
    try:
        with batch_collections():
            return asyncio.run(run())
    except (RedisError, OSError, SQLAlchemyError) as error:
        console.print(f"cannot reach Redis or the reporting database: {error}")
        return 2
    except (WrongMasterKey, InsecureKey) as error:
        console.print(str(error))
        return 2


def verify(
    public_key: Annotated[
        str | None,
        typer.Option(help="the public key kept by the auditor (base64, PEM, or a file)"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the verdict as JSON")] = False,
    office: Office = None,
) -> None:
    """Check an office's log against its archive and checkpoints.

    The live log is compared with the archive and its signed checkpoints; exit 1 if it is not
    intact, naming the first position that differs."""

    async def run() -> int:
        async with connected(office=office) as c:
            key = public_key_of(public_key, c.settings)
            verdict = await verify_log(c.log, c.sessions, key, c.settings.checkpoint_every)
        if as_json:
            typer.echo(verdict.model_dump_json(indent=2))
        elif verdict.ok:
            typer.echo(
                f"intact: {verdict.events_checked} events match the archive and its checkpoints"
                + (
                    f" ({verdict.not_yet_archived} newer events not yet archived)"
                    if verdict.not_yet_archived
                    else ""
                )
            )
        else:
            typer.echo(
                f"NOT INTACT at position {verdict.first_bad_position}: {verdict.kind}\n"
                f"{verdict.problem}\n({verdict.events_checked} events checked before it)"
            )
        return 0 if verdict.ok else 1

    raise typer.Exit(reporting_failures(run))


def replay(
    database_url: Annotated[
        str | None,
        typer.Option(help="where to rebuild; default a temporary SQLite database"),
    ] = None,
    page_size: Annotated[int, typer.Option(min=1, max=10000, help="events per page")] = 1000,
    show: Annotated[int, typer.Option(help="how many differences to print at most")] = 50,
    office: Office = None,
) -> None:
    """Rebuild the reports from the log and compare them.

    An office's reporting projections are rebuilt from its log into a fresh database and
    compared with the live ones."""
    with tempfile.TemporaryDirectory(prefix="jasa-replay-") as scratch:
        url = database_url or f"sqlite+aiosqlite:///{Path(scratch) / 'replay.db'}"
        own = database_url is None
        raise typer.Exit(reporting_failures(lambda: _replay(url, own, page_size, show, office)))


async def _replay(url: str, own: bool, page_size: int, show: int, office: str | None) -> int:
    async with connected(office=office, personal_data=True) as live:
        office = live.log.keys.office
        head = await live_head(live.sessions, office)
        total = head.count or int(await live.redis.xlen(live.log.keys.log))
        fresh = make_engine(url, scratch=own)
        try:
            await create_tables(fresh, indexes=not own)  # compared by key alone
            freeze_heap()  # what is loaded by now is not looked at by every collection
            with Progress(
                TextColumn("replaying the log"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[rate]} events/s"),
                TimeElapsedColumn(),
                console=console,
            ) as progress:
                task = progress.add_task("replay", total=total, rate="-")

                def advance(events: int) -> None:
                    elapsed = progress.tasks[task].elapsed or 0
                    done = progress.tasks[task].completed + events
                    rate = f"{done / elapsed:,.0f}" if elapsed else "-"
                    progress.update(task, advance=events, rate=rate)

                rebuilt = await rebuild(
                    live.log,
                    session_factory(fresh),
                    until=head.position if head.count else None,
                    page_size=page_size,
                    progress=advance,
                )
            found: list[Difference] = []
            count = 0
            async for difference in differences(live.engine, fresh, office=office):
                count += 1
                if len(found) < show:
                    found.append(difference)
        finally:
            await fresh.dispose()
    typer.echo(
        f"replayed {rebuilt.events} events in {rebuilt.seconds:.2f} s "
        f"({rebuilt.events_per_second:,.0f} events/s)"
    )
    for difference in found:
        typer.echo(f"  {difference}")
    if count:
        more = f" (first {len(found)} shown)" if count > len(found) else ""
        typer.echo(f"{count} differences between the live projections and the replay{more}")
        return 1
    typer.echo("the live projections equal the replay, table by table, row by row")
    return 0


def pubkey(
    pem: Annotated[bool, typer.Option("--pem", help="PEM instead of base64")] = False,
) -> None:
    """Print the public key that checks the checkpoints.

    The auditor keeps it, to check the signed checkpoints with a key of their own."""
    try:
        key = load_or_create_signing_key(ReportingSettings())
    except InsecureSigningKey as error:
        # in production only the given key is the installation's
        console.print(str(error), markup=False, soft_wrap=True)
        raise typer.Exit(2) from None
    typer.echo(public_key_text(key.public_key(), pem=pem).rstrip("\n"))


def register(app: typer.Typer) -> None:
    audit.command("verify")(verify)
    audit.command("replay")(replay)
    audit.command("pubkey")(pubkey)
    app.add_typer(audit, name="audit")
