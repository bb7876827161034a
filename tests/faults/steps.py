"""SOP steps through the HTTP API of a running office, for the fault tests: each call bounded
by a timeout, and waits for another service's view polled with a deadline."""

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from redis.asyncio import Redis

from services.cli.demo.applicants import Applicant
from shared.events import Envelope, decode_entry
from shared.keys import Keys
from tests.faults.harness import Installation
from tests.faults.traffic import COURIER, FO, KASUBBAG
from tests.polling import wait_until

Json = dict[str, Any]


async def eventually(probe: Callable[[], Awaitable[bool]], within: float = 30.0) -> None:
    await wait_until(probe, within)


async def answers_200(client: httpx.AsyncClient, url: str, headers: dict[str, str]) -> bool:
    try:
        return (await client.get(url, headers=headers)).status_code == 200
    except httpx.TransportError:
        return False


async def register_all(
    client: httpx.AsyncClient, office: Installation, people: list[Applicant]
) -> list[str]:
    """Register each person's document; the dossier ids, once intake lists them."""
    ids = []
    for person in people:
        answer = await client.post(
            f"{office.url('intake')}/dossiers", json=person.registration(), headers=FO
        )
        assert answer.status_code == 201, answer.text
        ids.append(answer.json()["dossier_id"])

    async def all_listed() -> bool:
        for dossier_id in ids:
            answer = await client.get(f"{office.url('intake')}/dossiers/{dossier_id}", headers=FO)
            if answer.status_code != 200 or answer.json()["status"] != "REGISTERED":
                return False
        return True

    await eventually(all_listed)
    return ids


async def recap_awaiting_letter(
    client: httpx.AsyncClient, office: Installation, recap_id: str
) -> None:
    async def listed() -> bool:
        answer = await client.get(
            f"{office.url('approval')}/recaps",
            params={"status": "AWAITING_LETTER", "limit": 200},
            headers=KASUBBAG,
        )
        return any(item["recap_id"] == recap_id for item in answer.json()["items"])

    await eventually(listed)


async def handover_ready(client: httpx.AsyncClient, office: Installation, letter_id: str) -> Json:
    found: list[Json] = []

    async def listed() -> bool:
        answer = await client.get(f"{office.url('courier')}/handovers/{letter_id}", headers=COURIER)
        if answer.status_code == 200 and answer.json()["status"] == "READY":
            found.append(answer.json())
            return True
        return False

    await eventually(listed)
    return found[-1]


async def events_of(redis: Redis, keys: Keys) -> list[Envelope]:
    """Every event of the office log (entries that are not events left out)."""
    events = []
    for entry_id, fields in await redis.xrange(keys.log):
        try:
            events.append(decode_entry(entry_id, fields))
        except ValueError:
            continue
    return events
