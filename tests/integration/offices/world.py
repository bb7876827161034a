"""One installation serving two offices (1471 Pekanbaru, 1401 Kampar), all four services in
process, and each office's day played through the HTTP contract by its own officers, so
that every kind of thing exists in both offices at a step where acting on it would succeed:
a waiting and a flagged dossier, a recap awaiting its letter, a letter awaiting signature, a
ready handover, a document with the courier, a returned one awaiting receipt."""

import asyncio
import contextlib
import itertools
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI

from services.approval.main import create_app as approval_app
from services.courier.main import create_app as courier_app
from services.intake.domain import RegistryEntry
from services.intake.main import create_app as intake_app
from services.intake.registry import load_registry
from services.reporting.main import create_app as reporting_app
from shared.context import ServiceContext
from shared.vocabulary import DocumentType
from tests.conftest import running, token_for
from tests.door_support import photo
from tests.factories import registration

SERVED = ("1471", "1401")
NOT_SERVED = "3171"
SERVICES = {
    "intake": intake_app,
    "approval": approval_app,
    "courier": courier_app,
    "reporting": reporting_app,
}
# The one type each office has a dossier waiting of, and the other office has none waiting.
WAITING_TYPE = {"1471": DocumentType.KIA, "1401": DocumentType.KK}
CITIZEN = {"1471": "Rina Marlina", "1401": "Siti Aminah"}
_serials = itertools.count(1)


def headers(role: str, office: str) -> dict[str, str]:
    return token_for(
        role, officer_id=officer_id(role, office), name=f"{role} {office}", office=office
    )


def officer_id(role: str, office: str) -> str:
    return f"{role.lower()}-{office}"


def other(office: str) -> str:
    return SERVED[1] if office == SERVED[0] else SERVED[0]


@dataclass
class Story:
    """What one office did, by the step each thing waits at."""

    office: str
    dossiers: list[str] = field(default_factory=list)  # every dossier, in registration order
    recaps: list[str] = field(default_factory=list)
    letters: list[str] = field(default_factory=list)
    waiting: str = ""  # REGISTERED, of WAITING_TYPE[office]
    flagged: str = ""
    recap_awaiting_letter: str = ""
    letter_awaiting_signature: str = ""
    letter_ready: str = ""  # signed, its handover not yet accepted
    letter_accepted: str = ""
    letter_numbers: list[str] = field(default_factory=list)
    with_courier: str = ""
    delivered: str = ""
    returned: str = ""  # awaiting its receipt back
    registry_entry: RegistryEntry | None = None  # a document in this office's registry only

    def traces(self) -> list[str]:
        """What would show that something of this office was seen: its ids, officers, people."""
        roles = ("FO", "KASUBBAG_UMUM", "SEKRETARIS", "COURIER")
        officers = [officer_id(role, self.office) for role in roles]
        return [*self.dossiers, *self.recaps, *self.letters, *officers, CITIZEN[self.office]]


@dataclass
class Installation:
    apps: dict[str, FastAPI]
    clients: dict[str, httpx.AsyncClient]
    stories: dict[str, Story] = field(default_factory=dict)

    def context(self, service: str) -> ServiceContext:
        context: ServiceContext = self.apps[service].state.context
        return context

    async def log_lengths(self) -> dict[str, int]:
        context = self.context("intake")
        return {office: await context.redis.xlen(context.keys_for(office).log) for office in SERVED}

    async def until(
        self,
        service: str,
        path: str,
        auth: dict[str, str],
        accept: Callable[[httpx.Response], bool] = lambda r: r.status_code == 200,
    ) -> httpx.Response:
        """GET until the service's projection caught up (eventual consistency)."""
        deadline = time.monotonic() + 15
        while True:
            response = await self.clients[service].get(path, headers=auth)
            if accept(response):
                return response
            if time.monotonic() > deadline:
                raise AssertionError(f"{service} {path}: {response.status_code} {response.text}")
            await asyncio.sleep(0.05)

    async def post(
        self, service: str, path: str, auth: dict[str, str], body: Any = None, status: int = 200
    ) -> dict[str, Any]:
        response = await self.clients[service].post(path, json=body, headers=auth)
        assert response.status_code == status, f"{path}: {response.status_code} {response.text}"
        return dict(response.json())


@contextlib.asynccontextmanager
async def installation() -> AsyncIterator[Installation]:
    """The four services of one installation serving 1471 and 1401 (JASA_OFFICES set)."""
    apps = {name: create() for name, create in SERVICES.items()}
    async with contextlib.AsyncExitStack() as stack:
        clients = {
            name: await stack.enter_async_context(running(app)) for name, app in apps.items()
        }
        yield Installation(apps, clients)


def a_nik() -> str:
    return f"147101170890{next(_serials) % 9999 + 1:04d}"


async def in_registry(
    world: Installation, office: str, document_type: DocumentType = DocumentType.KTP_EL
) -> RegistryEntry:
    """A new document in one office's registry (and no other's)."""
    number = f"{office}-{uuid.uuid4().hex[:8].upper()}"
    entry = RegistryEntry(document_type, number, a_nik(), CITIZEN[office], True)
    await load_registry(world.context("intake").engine, [entry], office=office)
    return entry


async def play_the_day(world: Installation, office: str, extra_waiting: int = 0) -> Story:
    """The office's own officers take its documents to every step of the SOP."""
    story = Story(office)
    fo, kasubbag = headers("FO", office), headers("KASUBBAG_UMUM", office)
    sekretaris, courier = headers("SEKRETARIS", office), headers("COURIER", office)

    async def register(document_type: DocumentType) -> str:
        entry = await in_registry(world, office, document_type)
        dossier = await world.post("intake", "/dossiers", fo, registration(entry), 201)
        story.dossiers.append(dossier["dossier_id"])
        story.registry_entry = entry
        await world.until("intake", f"/dossiers/{dossier['dossier_id']}", fo)
        return str(dossier["dossier_id"])

    async def recap(document_type: DocumentType) -> str:
        body = {"document_type": document_type.value}
        recap_id = (await world.post("intake", "/recaps", fo, body, 201))["recap_id"]
        story.recaps.append(recap_id)
        await world.until(
            "approval",
            "/recaps?status=AWAITING_LETTER",
            kasubbag,
            lambda r: recap_id in {item["recap_id"] for item in r.json()["items"]},
        )
        return str(recap_id)

    async def draft(recap_id: str) -> str:
        letter = await world.post("approval", "/letters", kasubbag, {"recap_id": recap_id}, 201)
        story.letter_numbers.append(letter["letter_number"])
        story.letters.append(letter["letter_id"])
        return str(letter["letter_id"])

    async def signed(letter_id: str) -> str:
        await world.post("approval", f"/letters/{letter_id}/sign", sekretaris)
        await world.until("courier", f"/handovers/{letter_id}", courier)
        return letter_id

    first = [await register(DocumentType.KTP_EL) for _ in range(3)]
    story.letter_accepted = await signed(await draft(await recap(DocumentType.KTP_EL)))
    await world.post("courier", f"/handovers/{story.letter_accepted}/accept", courier)
    story.delivered, story.returned, story.with_courier = first
    delivered = await world.clients["courier"].post(
        f"/deliveries/{story.delivered}/delivered",
        data={"recipient_name": CITIZEN[office], "relationship": "SELF"},
        files={"photo": ("serah-terima.jpg", photo(), "image/jpeg")},
        headers=courier,
    )
    assert delivered.status_code == 200, delivered.text
    await world.post(
        "courier",
        f"/deliveries/{story.returned}/returned",
        courier,
        {"reason": "ADDRESS_NOT_FOUND", "note": "rumah kosong"},
    )
    await register(DocumentType.AKTA)
    story.letter_ready = await signed(await draft(await recap(DocumentType.AKTA)))
    ready_type = DocumentType.KK if office == "1471" else DocumentType.KIA
    await register(ready_type)
    story.letter_awaiting_signature = await draft(await recap(ready_type))
    await register(DocumentType.KTP_EL)
    story.recap_awaiting_letter = await recap(DocumentType.KTP_EL)
    story.flagged = await register(DocumentType.KTP_EL)
    await world.post(
        "intake",
        f"/dossiers/{story.flagged}/flags",
        fo,
        {"reason": "DATA_ENTRY_ERROR", "note": "nama tidak sesuai"},
        201,
    )
    for _ in range(1 + extra_waiting):
        story.waiting = await register(WAITING_TYPE[office])
    await world.until("reporting", f"/control-cards/{story.waiting}", headers("AUDITOR", office))
    await world.until(
        "courier",
        "/returns",
        kasubbag,
        lambda r: [item["dossier_id"] for item in r.json()["items"]] == [story.returned],
    )
    world.stories[office] = story
    return story
