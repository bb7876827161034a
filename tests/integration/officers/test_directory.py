"""The officer directory as events in the office's log, and passwords kept apart from it,
against the real Redis."""

import pytest
from redis.asyncio import Redis

from shared.errors import Conflict, NotFound, Unprocessable
from shared.events import Actor, OfficerEnrolled, OfficerSuspended
from shared.keys import Keys
from shared.log import EventLog
from shared.officers.credentials import Credentials, WeakPassword
from shared.officers.directory import DIRECTORY_STREAM, OfficerDirectory
from shared.vocabulary import Role

HEAD = Actor(officer_id="196901011990031001", name="Kasubbag Uji", role=Role.KASUBBAG_UMUM)
NIP = "198001012005011001"


@pytest.fixture
def directory(event_log: EventLog) -> OfficerDirectory:
    return OfficerDirectory(event_log)


async def test_an_enrolled_officer_is_found_by_username_with_their_nip_as_paraf(
    directory: OfficerDirectory,
) -> None:
    await directory.enrol("Siti.Rahma", name=" Siti  Rahma ", nip=NIP, role=Role.FO, by=HEAD)
    found = await directory.find("siti.rahma")
    assert found is not None
    assert (found.username, found.name, found.role, found.suspended) == (
        "siti.rahma",
        "Siti Rahma",
        Role.FO,
        False,
    )
    assert found.identity().actor().officer_id == NIP
    assert await directory.find("nobody") is None


async def test_each_change_is_an_event_of_the_directory_stream_signed_by_who_made_it(
    directory: OfficerDirectory, event_log: EventLog
) -> None:
    await directory.enrol("budi", name="Budi", nip=None, role=Role.COURIER, by=HEAD)
    await directory.suspend("budi", HEAD, reason="cuti panjang")
    await directory.reinstate("budi", HEAD)
    await directory.change_role("budi", Role.FO, HEAD)
    events = await event_log.load(DIRECTORY_STREAM)
    assert [e.type for e in events] == [
        "OfficerEnrolled",
        "OfficerSuspended",
        "OfficerReinstated",
        "OfficerRoleChanged",
    ]
    assert all(e.actor == HEAD for e in events)
    assert isinstance(events[0].data, OfficerEnrolled) and events[0].data.officer_id == "budi"
    assert isinstance(events[1].data, OfficerSuspended) and events[1].data.reason == "cuti panjang"
    officer = await directory.find("budi")
    assert officer is not None and officer.role is Role.FO and not officer.suspended
    logged = await event_log.read()
    assert [e.type for e in logged] == [e.type for e in events]  # in the office's global log


async def test_a_duplicate_username_a_bad_nip_and_an_unknown_officer_are_refused(
    directory: OfficerDirectory,
) -> None:
    await directory.enrol("ani", name="Ani", nip=NIP, role=Role.FO, by=HEAD)
    with pytest.raises(Conflict, match="already an officer ani"):
        await directory.enrol("ANI", name="Ani Lain", nip=None, role=Role.FO, by=HEAD)
    with pytest.raises(Conflict, match="already has the id"):
        await directory.enrol("ani2", name="Ani Dua", nip=NIP, role=Role.FO, by=HEAD)
    with pytest.raises(Unprocessable, match="18 digits"):
        await directory.enrol("dewi", name="Dewi", nip="123", role=Role.FO, by=HEAD)
    with pytest.raises(Unprocessable, match="username"):
        await directory.enrol("x", name="X", nip=None, role=Role.FO, by=HEAD)
    with pytest.raises(NotFound):
        await directory.suspend("nobody", HEAD)
    await directory.suspend("ani", HEAD)
    with pytest.raises(Conflict, match="already suspended"):
        await directory.suspend("ani", HEAD)


async def test_a_password_is_kept_as_an_argon2id_hash_outside_the_log(
    redis: Redis, keys: Keys, event_log: EventLog
) -> None:
    credentials = Credentials(redis, keys)
    await credentials.set_password("siti.rahma", "kata-sandi-rahasia-1")
    stored = await redis.hget(keys.scoped("credentials"), "siti.rahma")
    assert stored is not None and stored.startswith(b"$argon2id$")
    assert b"kata-sandi-rahasia-1" not in stored
    assert await credentials.verify("siti.rahma", "kata-sandi-rahasia-1")
    assert not await credentials.verify("siti.rahma", "kata-sandi-salah-99")
    assert not await credentials.verify("nobody", "kata-sandi-rahasia-1")
    assert await event_log.read() == []


async def test_an_empty_short_or_username_password_is_refused(redis: Redis, keys: Keys) -> None:
    credentials = Credentials(redis, keys)
    for weak in ("", "pendek", "siti.rahma", "aaaaaaaaaaaa"):
        with pytest.raises(WeakPassword):
            await credentials.set_password("siti.rahma", weak)
    assert not await credentials.has_password("siti.rahma")
