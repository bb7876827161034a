"""Officers enrolled straight into the test's office, and a signed-in browser-like client."""

import re

import httpx
from redis.asyncio import Redis

from shared.events import Actor
from shared.keys import Keys
from shared.log import EventLog
from shared.officers.credentials import Credentials
from shared.officers.directory import OfficerDirectory, OfficerEntry
from shared.vocabulary import Role

PASSWORD = "kata-sandi-rahasia-1"
ADMIN = Actor(officer_id="server:test", name="administrator server (test)", role=Role.KASUBBAG_UMUM)


async def enrol(
    redis: Redis, keys: Keys, username: str, role: Role, password: str = PASSWORD
) -> OfficerEntry:
    directory = OfficerDirectory(EventLog(redis, keys))
    entry = await directory.enrol(username, name=username.title(), nip=None, role=role, by=ADMIN)
    await Credentials(redis, keys).set_password(entry.username, password)
    return entry


def csrf_of(page: str) -> str:
    """The CSRF token a page's form carries."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "the page has a form with a CSRF token"
    return found.group(1)


async def sign_in(
    client: httpx.AsyncClient, username: str, password: str = PASSWORD, next: str = ""
) -> httpx.Response:
    form = await client.get("/login")
    return await client.post(
        "/login",
        data={
            "username": username,
            "password": password,
            "next": next,
            "csrf_token": csrf_of(form.text),
        },
    )
