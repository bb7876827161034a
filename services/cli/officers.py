"""`jasa officer add | list | suspend | reinstate | role | reset-password`: the office's
officer directory (events in the log) and their passwords (argon2id hashes, kept apart).

A change to the directory is signed by whoever makes it: `--by USERNAME` names an officer of
the directory; without it, the server's administrator (the operating-system user running
the command) acts for the Kasubbag Umum, whose unit keeps the office's staff records.
Suspending an officer, changing their role or their password ends their open sessions."""

import asyncio
import getpass
import socket
import sys
from collections.abc import Awaitable, Callable
from typing import Annotated, NoReturn, TypeVar

import typer

from services.cli import installation
from services.cli.offices import served_office
from shared.errors import Problem
from shared.events import Actor
from shared.keys import Keys
from shared.log import EventLog
from shared.officers.credentials import Credentials, WeakPassword, check_strength
from shared.officers.directory import OfficerDirectory, OfficerEntry
from shared.officers.sign_ins import SecurityRecord, SignInGuard, SignInKind
from shared.redis_client import AsyncRedis, redis_setup
from shared.settings import CommonSettings, ServiceSettings
from shared.vocabulary import Role
from shared.web.sessions import end_sessions_of

officer = typer.Typer(help="The office's officers and their passwords.", no_args_is_help=True)
T = TypeVar("T")

OfficeOption = Annotated[
    str | None, typer.Option(help="the officer's office, one of JASA_OFFICES; default JASA_OFFICE")
]
ByOption = Annotated[
    str | None,
    typer.Option(
        "--by", help="the officer making this change (default: the server's administrator)"
    ),
]
PasswordStdin = Annotated[
    bool, typer.Option("--password-stdin", help="read the password from the first line of stdin")
]


@officer.callback()
def _group() -> None:
    """The office's officers and their passwords."""


def _fail(message: str, code: int = 1) -> NoReturn:
    typer.echo(f"jasa officer: {message}", err=True)
    raise typer.Exit(code)


def _run(office: str | None, act: Callable[[AsyncRedis, Keys], Awaitable[T]]) -> T:
    """`act` on the office's Redis; a refusal of the directory is a sentence and exit 1."""
    settings = CommonSettings()
    keys = Keys(served_office(settings, office), settings.key_prefix)
    setup = redis_setup(settings, installation.redis_url(settings))

    async def run() -> T:
        redis = setup.client()
        try:
            return await act(redis, keys)
        finally:
            await redis.aclose()

    try:
        return asyncio.run(run())
    except Problem as refusal:
        _fail(refusal.detail)


def _password(username: str, from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, default="", show_default=False)
        again = typer.prompt("Password again", hide_input=True, default="", show_default=False)
        if again != password:
            _fail("the two passwords differ; nothing was changed")
    try:
        return check_strength(password, username=username)
    except WeakPassword as weak:
        _fail(f"{weak}; nothing was changed")


async def _actor(directory: OfficerDirectory, by: str | None) -> Actor:
    if by is None:
        user = getpass.getuser()
        return Actor(
            officer_id=f"server:{user}@{socket.gethostname()}",
            name=f"administrator server ({user})",
            role=Role.KASUBBAG_UMUM,
        )
    entry = await directory.find(by)
    if entry is None or entry.suspended:
        _fail(f"--by {by}: no active officer of this office has that username")
    return entry.identity().actor()


async def _end_sessions(redis: AsyncRedis, keys: Keys, entry: OfficerEntry) -> int:
    ended = await end_sessions_of(redis, keys, entry.username)
    await SecurityRecord(redis, keys).add(
        SignInKind.SESSIONS_ENDED, username=entry.username, officer_id=entry.officer_id
    )
    return ended


@officer.command("add")
def add(
    username: Annotated[str, typer.Argument(help="the sign-in name, e.g. siti.rahma")],
    role: Annotated[Role, typer.Option(help="FO, KASUBBAG_UMUM, SEKRETARIS, COURIER or AUDITOR")],
    name: Annotated[str, typer.Option(help="the officer's name, as on the card")],
    nip: Annotated[str | None, typer.Option(help="the officer's NIP (18 digits)")] = None,
    office: OfficeOption = None,
    password_stdin: PasswordStdin = False,
    by: ByOption = None,
) -> None:
    """Enrol an officer and set their password.

    The password is asked twice, hidden, or read from stdin with --password-stdin."""
    username = username.strip().lower()
    settings = CommonSettings()
    for other in settings.served_offices():
        if other != served_office(settings, office) and _run(
            other, lambda redis, keys: OfficerDirectory(EventLog(redis, keys)).find(username)
        ):
            _fail(f"there is already an officer {username} (office {other})")
    password = _password(username, password_stdin)

    async def enrol(redis: AsyncRedis, keys: Keys) -> OfficerEntry:
        directory = OfficerDirectory(EventLog(redis, keys))
        actor = await _actor(directory, by)
        entry = await directory.enrol(username, name=name, nip=nip, role=role, by=actor)
        await Credentials(redis, keys).set_password(entry.username, password)
        return entry

    entry = _run(office, enrol)
    typer.echo(
        f"officer {entry.username} enrolled: {entry.name}, {entry.role.value}, "
        f"office {entry.office}, paraf id {entry.officer_id}"
    )


@officer.command("list")
def list_officers(office: OfficeOption = None) -> None:
    """List the office's officers and their roles."""

    async def officers(redis: AsyncRedis, keys: Keys) -> list[OfficerEntry]:
        return await OfficerDirectory(EventLog(redis, keys)).officers()

    entries = _run(office, officers)
    if not entries:
        typer.echo("no officers yet: add one with `jasa officer add`")
        return
    typer.echo(f"{'USERNAME':<20} {'ROLE':<14} {'STATUS':<10} {'PARAF ID':<20} NAME")
    for e in entries:
        status = "suspended" if e.suspended else "active"
        typer.echo(f"{e.username:<20} {e.role.value:<14} {status:<10} {e.officer_id:<20} {e.name}")


@officer.command("suspend")
def suspend(
    username: str,
    reason: Annotated[str, typer.Option(help="why, for the record")] = "",
    office: OfficeOption = None,
    by: ByOption = None,
) -> None:
    """Suspend an officer; their open sessions end at once.

    They cannot sign in until reinstated."""

    async def act(redis: AsyncRedis, keys: Keys) -> tuple[OfficerEntry, int]:
        directory = OfficerDirectory(EventLog(redis, keys))
        entry = await directory.suspend(username, await _actor(directory, by), reason)
        return entry, await _end_sessions(redis, keys, entry)

    entry, ended = _run(office, act)
    typer.echo(f"officer {entry.username} suspended; {ended} open session(s) ended")


@officer.command("reinstate")
def reinstate(username: str, office: OfficeOption = None, by: ByOption = None) -> None:
    """Reinstate a suspended officer."""

    async def act(redis: AsyncRedis, keys: Keys) -> OfficerEntry:
        directory = OfficerDirectory(EventLog(redis, keys))
        return await directory.reinstate(username, await _actor(directory, by))

    typer.echo(f"officer {_run(office, act).username} reinstated")


@officer.command("role")
def change_role(
    username: str,
    role: Annotated[Role, typer.Argument(help="FO, KASUBBAG_UMUM, SEKRETARIS, COURIER or AUDITOR")],
    office: OfficeOption = None,
    by: ByOption = None,
) -> None:
    """Give an officer another role; their sessions end."""

    async def act(redis: AsyncRedis, keys: Keys) -> OfficerEntry:
        directory = OfficerDirectory(EventLog(redis, keys))
        entry = await directory.change_role(username, role, await _actor(directory, by))
        await _end_sessions(redis, keys, entry)
        return entry

    entry = _run(office, act)
    typer.echo(f"officer {entry.username} is now {entry.role.value}")


@officer.command("reset-password")
def reset_password(
    username: str, office: OfficeOption = None, password_stdin: PasswordStdin = False
) -> None:
    """Set an officer's new password; their sessions end.

    Asked twice, hidden (or --password-stdin); a lock on the username is lifted."""

    async def known(redis: AsyncRedis, keys: Keys) -> OfficerEntry | None:
        return await OfficerDirectory(EventLog(redis, keys)).find(username)

    entry = _run(office, known)
    if entry is None:
        _fail(f"there is no officer {username.strip()}")
    password = _password(entry.username, password_stdin)
    settings = ServiceSettings()

    async def act(redis: AsyncRedis, keys: Keys) -> int:
        await Credentials(redis, keys).set_password(entry.username, password)
        guard = SignInGuard(
            redis, keys, attempts=settings.sign_in_attempts, lock_s=settings.sign_in_lock_s
        )
        await guard.unlock(entry.username)
        return await _end_sessions(redis, keys, entry)

    ended = _run(office, act)
    typer.echo(f"password of {entry.username} changed; {ended} open session(s) ended")


def register(app: typer.Typer) -> None:
    app.add_typer(officer, name="officer")
