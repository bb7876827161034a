"""`jasa officer ...` against the real Redis: enrolment with a password, the list, suspension
ending open sessions, reinstatement, a new role, a new password, and clear refusals."""

import asyncio
from typing import Any

import pytest
from redis.asyncio import Redis
from typer.testing import CliRunner

from services.cli import app
from shared.identity import Officer
from shared.keys import Keys
from shared.log import EventLog
from shared.officers.credentials import Credentials
from shared.officers.directory import DIRECTORY_STREAM
from shared.vocabulary import Role
from shared.web.sessions import SessionStore

PASSWORD = "kata-sandi-rahasia-1"


@pytest.fixture(autouse=True)
def installation(service_env: dict[str, str]) -> dict[str, str]:
    return service_env


def jasa(*args: str, input: str | None = None) -> Any:
    return CliRunner().invoke(app, ["officer", *args], input=input)


def add(username: str, role: str = "FO", name: str = "Siti Rahma", *more: str) -> Any:
    return jasa(
        "add", username, "--role", role, "--name", name, "--password-stdin", *more, input=PASSWORD
    )


async def ajasa(*args: str, input: str | None = None) -> Any:
    """`jasa` from an async test: the command runs its own event loop, in a thread."""
    return await asyncio.to_thread(jasa, *args, input=input)


async def aadd(username: str, *more: str) -> Any:
    return await asyncio.to_thread(add, username, *more)


async def test_an_officer_added_with_a_password_from_stdin_is_listed_and_can_sign_in(
    redis: Redis, keys: Keys
) -> None:
    result = await aadd("siti.rahma", "FO", "Siti Rahma", "--nip", "198001012005011001")
    assert result.exit_code == 0, result.output
    assert "officer siti.rahma enrolled" in result.output
    listed = await ajasa("list")
    assert listed.exit_code == 0
    assert "siti.rahma" in listed.output and "FO" in listed.output and "active" in listed.output
    assert await Credentials(redis, keys).verify("siti.rahma", PASSWORD)
    (enrolled,) = await EventLog(redis, keys).load(DIRECTORY_STREAM)
    assert enrolled.actor.officer_id.startswith("server:")
    assert PASSWORD not in enrolled.model_dump_json()


async def test_without_stdin_the_password_is_asked_twice_and_a_mismatch_changes_nothing(
    redis: Redis, keys: Keys
) -> None:
    ok = await ajasa(
        "add", "ani", "--role", "FO", "--name", "Ani", input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert ok.exit_code == 0, ok.output
    assert PASSWORD not in ok.output  # hidden
    differ = await ajasa(
        "add", "dewi", "--role", "FO", "--name", "Dewi", input=f"{PASSWORD}\nlain-lain-99\n"
    )
    assert differ.exit_code == 1
    assert "the two passwords differ" in differ.output
    assert "dewi" not in (await ajasa("list")).output


def test_an_unknown_role_a_duplicate_username_and_a_weak_password_are_refused() -> None:
    unknown_role = add("ani", "CAMAT")
    assert unknown_role.exit_code == 2 and "CAMAT" in unknown_role.output
    assert add("ani").exit_code == 0
    duplicate = add("ani")
    assert duplicate.exit_code == 1 and "already an officer ani" in duplicate.output
    weak = jasa("add", "budi", "--role", "FO", "--name", "Budi", "--password-stdin", input="pendek")
    assert weak.exit_code == 1 and "at least 10 characters" in weak.output
    assert "budi" not in jasa("list").output


async def test_suspending_ends_the_officers_open_sessions_and_reinstating_lets_them_back(
    redis: Redis, keys: Keys
) -> None:
    assert (await aadd("ani")).exit_code == 0
    sessions = SessionStore(redis, ["1471"], keys.prefix, idle_s=60, absolute_s=600)
    cookie, _ = await sessions.open("ani", Officer("ani", "Ani", Role.FO, "1471"))
    assert await sessions.find(cookie) is not None
    suspended = await ajasa("suspend", "ani", "--reason", "cuti")
    assert suspended.exit_code == 0, suspended.output
    assert "1 open session(s) ended" in suspended.output
    assert await sessions.find(cookie) is None
    assert "suspended" in (await ajasa("list")).output
    again = await ajasa("suspend", "ani")
    assert again.exit_code == 1 and "already suspended" in again.output
    assert (await ajasa("reinstate", "ani")).exit_code == 0
    assert "active" in (await ajasa("list")).output


async def test_a_new_password_replaces_the_old_one_and_ends_sessions(
    redis: Redis, keys: Keys
) -> None:
    assert (await aadd("ani")).exit_code == 0
    reset = await ajasa("reset-password", "ani", "--password-stdin", input="kata-sandi-baru-22")
    assert reset.exit_code == 0, reset.output
    credentials = Credentials(redis, keys)
    assert await credentials.verify("ani", "kata-sandi-baru-22")
    assert not await credentials.verify("ani", PASSWORD)
    unknown = await ajasa(
        "reset-password", "nobody", "--password-stdin", input="kata-sandi-baru-22"
    )
    assert unknown.exit_code == 1 and "no officer nobody" in unknown.output


def test_a_new_role_is_recorded_and_signed_by_the_officer_named_with_by() -> None:
    assert add("kasubbag", "KASUBBAG_UMUM", "Kasubbag").exit_code == 0
    assert add("ani").exit_code == 0
    changed = jasa("role", "ani", "COURIER", "--by", "kasubbag")
    assert changed.exit_code == 0, changed.output
    assert "ani is now COURIER" in changed.output
    stranger = jasa("role", "ani", "FO", "--by", "nobody")
    assert stranger.exit_code == 1 and "no active officer" in stranger.output
