"""The officer directory of one office: enrolments, role changes, suspensions and
reinstatements are events of one aggregate stream, `officers`, each with who made it.

Pure decisions over the directory's state come first; `OfficerDirectory` is the I/O around
them (load the stream, decide, append with the version loaded)."""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import TypeVar

from shared.aggregate import load_aggregate
from shared.commands import run_command
from shared.errors import Conflict, NotFound, Unprocessable
from shared.events import (
    Actor,
    Envelope,
    EventData,
    OfficerEnrolled,
    OfficerReinstated,
    OfficerRoleChanged,
    OfficerSuspended,
    new_event,
)
from shared.identity import Officer
from shared.log import EventLog
from shared.vocabulary import Role

DIRECTORY_STREAM = "officers"
USERNAME = re.compile(r"[a-z][a-z0-9._-]{2,31}")
NIP = re.compile(r"\d{18}")  # Nomor Induk Pegawai: 18 digits
MAX_NAME = 120
E = TypeVar("E", bound=EventData)


@dataclass(frozen=True, slots=True)
class OfficerEntry:
    """One officer as the directory knows them now."""

    username: str
    officer_id: str
    name: str
    nip: str | None
    role: Role
    office: str
    suspended: bool = False

    def identity(self) -> Officer:
        """The identity every event this officer makes carries as its paraf."""
        return Officer(self.officer_id, self.name, self.role, self.office)


Directory = Mapping[str, OfficerEntry]
EMPTY: Directory = MappingProxyType({})


def evolve(directory: Directory, event: Envelope) -> Directory:
    data = event.data
    changed = dict(directory)
    if isinstance(data, OfficerEnrolled):
        changed[data.username] = OfficerEntry(
            data.username, data.officer_id, data.name, data.nip, data.role, event.office
        )
    elif isinstance(data, OfficerRoleChanged):
        changed[data.username] = replace(directory[data.username], role=data.role)
    elif isinstance(data, OfficerSuspended):
        changed[data.username] = replace(directory[data.username], suspended=True)
    elif isinstance(data, OfficerReinstated):
        changed[data.username] = replace(directory[data.username], suspended=False)
    return MappingProxyType(changed)


def username_of(text: str) -> str:
    """A username as kept: lower case; Unprocessable for anything else."""
    username = text.strip().lower()
    if not USERNAME.fullmatch(username):
        raise Unprocessable.field(
            "username",
            "3 to 32 characters: a letter first, then letters, digits, '.', '_' or '-'",
        )
    return username


def decide_enrol(
    directory: Directory, username: str, *, name: str, nip: str | None, role: Role
) -> OfficerEnrolled:
    username = username_of(username)
    name = " ".join(name.split())
    if not name or len(name) > MAX_NAME or not name.isprintable():
        raise Unprocessable.field("name", f"the officer's name, 1 to {MAX_NAME} characters")
    if nip is not None and not NIP.fullmatch(nip.strip()):
        raise Unprocessable.field("nip", "a NIP is 18 digits")
    nip = nip.strip() if nip is not None else None
    if username in directory:
        raise Conflict(f"there is already an officer {username}")
    officer_id = nip or username
    if any(entry.officer_id == officer_id for entry in directory.values()):
        raise Conflict(f"another officer already has the id {officer_id}")
    return OfficerEnrolled(username=username, officer_id=officer_id, name=name, nip=nip, role=role)


def known(directory: Directory, username: str) -> OfficerEntry:
    entry = directory.get(username.strip().lower())
    if entry is None:
        raise NotFound(f"there is no officer {username.strip()}")
    return entry


def decide_role(directory: Directory, username: str, role: Role) -> OfficerRoleChanged:
    entry = known(directory, username)
    if entry.role == role:
        raise Conflict(f"{entry.username} is already {role.value}")
    return OfficerRoleChanged(username=entry.username, role=role)


def decide_suspend(directory: Directory, username: str, reason: str) -> OfficerSuspended:
    entry = known(directory, username)
    if entry.suspended:
        raise Conflict(f"{entry.username} is already suspended")
    return OfficerSuspended(username=entry.username, reason=" ".join(reason.split()))


def decide_reinstate(directory: Directory, username: str) -> OfficerReinstated:
    entry = known(directory, username)
    if not entry.suspended:
        raise Conflict(f"{entry.username} is not suspended")
    return OfficerReinstated(username=entry.username)


class OfficerDirectory:
    """The directory of the office whose log this is."""

    def __init__(self, log: EventLog) -> None:
        self.log = log

    @property
    def office(self) -> str:
        return self.log.keys.office

    async def load(self) -> tuple[Directory, int]:
        return await load_aggregate(self.log, DIRECTORY_STREAM, evolve, EMPTY)

    async def find(self, username: str) -> OfficerEntry | None:
        """The officer with this username, or None (a username is case-insensitive)."""
        directory, _ = await self.load()
        return directory.get(username.strip().lower())

    async def officers(self) -> list[OfficerEntry]:
        directory, _ = await self.load()
        return sorted(directory.values(), key=lambda entry: entry.username)

    async def enrol(
        self, username: str, *, name: str, nip: str | None, role: Role, by: Actor
    ) -> OfficerEntry:
        event = await self._decide_and_append(
            lambda d: decide_enrol(d, username, name=name, nip=nip, role=role), by
        )
        return await self._entry(event.username)

    async def change_role(self, username: str, role: Role, by: Actor) -> OfficerEntry:
        event = await self._decide_and_append(lambda d: decide_role(d, username, role), by)
        return await self._entry(event.username)

    async def suspend(self, username: str, by: Actor, reason: str = "") -> OfficerEntry:
        event = await self._decide_and_append(lambda d: decide_suspend(d, username, reason), by)
        return await self._entry(event.username)

    async def reinstate(self, username: str, by: Actor) -> OfficerEntry:
        event = await self._decide_and_append(lambda d: decide_reinstate(d, username), by)
        return await self._entry(event.username)

    async def _entry(self, username: str) -> OfficerEntry:
        entry = await self.find(username)
        assert entry is not None, "an officer just written is in the directory"
        return entry

    async def _decide_and_append(self, decide: Callable[[Directory], E], by: Actor) -> E:
        async def attempt() -> E:
            directory, version = await self.load()
            data = decide(directory)
            event = new_event(data, stream_id=DIRECTORY_STREAM, actor=by, office=self.office)
            await self.log.append(DIRECTORY_STREAM, [event], version)
            return data

        return await run_command(attempt, busy="the officer directory kept changing; try again")
