"""Office traffic through the HTTP API while services die and come back: the FO desk
registers and compiles recaps, the Kasubbag Umum drafts, the Sekretaris signs, the courier
accepts handovers, delivers or returns, and returns are received back.

Each round finds its work in the read models (GET) and tries every command once; what
fails (a service down, a view not caught up yet, someone faster: 409) is simply found again
in a later round. So the traffic never waits on a dead service, and never retries a command
whose outcome it does not know (that is what the read models tell it)."""

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from random import Random
from typing import Any

import httpx

from services.cli.demo.applicants import Applicant, applicants, registry, write_registry_csv
from services.intake.registry import load_registry, parse_registry_csv
from shared.db import create_tables, make_engine
from shared.vocabulary import DocumentType
from tests.door_support import photo
from tests.faults.harness import Installation, bounded_client, headers

HTTP_TYPES = (DocumentType.KTP_EL, DocumentType.KK, DocumentType.KIA)  # AKTA: appended directly

FO = headers("FO", "198503122010012004", "Siti Rahmawati")
KASUBBAG = headers("KASUBBAG_UMUM", "197804142005012003", "Hj. Nurhayati")
SEKRETARIS = headers("SEKRETARIS", "197006201994031005", "Drs. H. Zulkarnain")
COURIER = headers("COURIER", "KURIR-1471-017", "Rudi Hartono")
AUDITOR = headers("AUDITOR", "198811302012121001", "Andika Pratama")

PHOTO = photo()  # a photo of the handover


def people_of_the_day(count: int, seed: int = 7) -> list[Applicant]:
    rng = Random(seed)
    found = [
        a for a in applicants(count * 2, rng, date(2026, 11, 24)) if a.document_type in HTTP_TYPES
    ]
    return found[:count]


async def load_people_into_registry(installation: Installation, people: list[Applicant]) -> None:
    """`jasa registry load`, in process: every applicant's document, signed."""
    rows = registry(people, Random(1), date(2026, 11, 24), unsigned_share=0.0)
    path = write_registry_csv(installation.root / "registry.csv", rows)
    engine = make_engine(installation.database_url("intake"))
    try:
        await create_tables(engine)
        await load_registry(engine, parse_registry_csv(path.read_text()), office="1471")
    finally:
        await engine.dispose()


@dataclass
class Traffic:
    installation: Installation
    people: list[Applicant]
    answers: Counter[str] = field(default_factory=Counter)
    recaps: set[str] = field(default_factory=set)  # of the document types this traffic owns
    _next_person: int = 0
    _rounds: int = 0

    async def run(self, until: asyncio.Event, per_round: int = 6, within: float = 90.0) -> None:
        """Rounds of office work until `until` is set; then rounds until some document was
        delivered and nothing is left to do (the views of a lagging service catch up)."""
        async with bounded_client() as client:
            while not until.is_set():
                await self.round(client, per_round)
                await asyncio.sleep(0.25)  # an office's pace; the consumers need the CPU too
            deadline = asyncio.get_running_loop().time() + within
            while asyncio.get_running_loop().time() < deadline:
                done = await self.round(client, per_round)
                if not done and self.answers["courier: 200"] > 0:
                    return
                await asyncio.sleep(0.25)

    async def round(self, client: httpx.AsyncClient, per_round: int) -> int:
        """One round of every desk; how many commands succeeded."""
        self._rounds += 1
        done = 0
        done += await self._register(client, per_round)
        kind = HTTP_TYPES[self._rounds % len(HTTP_TYPES)]
        done += await self._post(client, "intake", "/recaps", FO, {"document_type": kind.value})
        for recap in await self._items(
            client, "approval", "/recaps", KASUBBAG, status="AWAITING_LETTER"
        ):
            if recap["document_type"] in {t.value for t in HTTP_TYPES}:
                self.recaps.add(recap["recap_id"])
                body = {"recap_id": recap["recap_id"]}
                done += await self._post(client, "approval", "/letters", KASUBBAG, body)
        letters = await self._items(
            client, "approval", "/letters", SEKRETARIS, status="AWAITING_SIGNATURE"
        )
        letters = [letter for letter in letters if letter["recap_id"] in self.recaps]
        for number, letter in enumerate(letters):
            verb = "reject" if (self._rounds + number) % 7 == 0 else "sign"
            body = {"reason": "Jumlah berkas tidak sama dengan daftar."} if verb == "reject" else {}
            path = f"/letters/{letter['letter_id']}/{verb}"
            done += await self._post(client, "approval", path, SEKRETARIS, body)
        for handover in await self._items(client, "courier", "/handovers", COURIER, status="READY"):
            if not _ours(handover["documents"]):
                continue
            path = f"/handovers/{handover['letter_id']}/accept"
            done += await self._post(client, "courier", path, COURIER, {})
        done += await self._deliver(client)
        for returned in await self._items(
            client, "courier", "/returns", KASUBBAG, received="false"
        ):
            if _ours([returned]):
                path = f"/returns/{returned['dossier_id']}/receive"
                done += await self._post(client, "courier", path, KASUBBAG, {})
        return done

    async def _register(self, client: httpx.AsyncClient, count: int) -> int:
        done = 0
        for _ in range(count):
            if self._next_person >= len(self.people):
                return done
            person = self.people[self._next_person]
            self._next_person += 1
            body = {
                "nik": person.nik,
                "name": person.name,
                "address": person.address,
                "phone": person.phone,
                "document_type": person.document_type.value,
                "document_number": person.document_number,
            }
            done += await self._post(client, "intake", "/dossiers", FO, body)
        return done

    async def _deliver(self, client: httpx.AsyncClient) -> int:
        done = 0
        accepted = await self._items(client, "courier", "/handovers", COURIER, status="ACCEPTED")
        for handover in accepted:
            if not _ours(handover["documents"]):
                continue
            for document in handover["documents"]:
                if document["delivery_status"] != "WITH_COURIER":
                    continue
                dossier_id = document["dossier_id"]
                if int(dossier_id[-1], 16) % 5 == 0:
                    path = f"/deliveries/{dossier_id}/returned"
                    body = {"reason": "RECIPIENT_NOT_HOME", "note": "Rumah kosong."}
                else:
                    path = f"/deliveries/{dossier_id}/delivered"
                    body = {"recipient_name": document["name"], "relationship": "SELF", "note": ""}
                    # Without the citizen's receipt code, a photo of the handover proves it.
                    done += await self._post(client, "courier", path, COURIER, body, PHOTO)
                    continue
                done += await self._post(client, "courier", path, COURIER, body)
        return done

    async def _post(
        self,
        client: httpx.AsyncClient,
        service: str,
        path: str,
        officer: dict[str, str],
        body: dict[str, Any],
        photo: bytes | None = None,
    ) -> int:
        sent: dict[str, Any] = {"json": body}
        if photo is not None:
            sent = {"data": body, "files": {"photo": ("serah-terima.jpg", photo, "image/jpeg")}}
        try:
            answer = await client.post(
                self.installation.url(service) + path, headers=officer, **sent
            )
        except httpx.TransportError as error:
            self.answers[f"{service}: {type(error).__name__}"] += 1
            return 0
        self.answers[f"{service}: {answer.status_code}"] += 1
        assert answer.status_code < 500 or answer.status_code == 503, (
            f"POST {service}{path} answered {answer.status_code}: {answer.text}"
        )
        return 1 if answer.status_code in (200, 201) else 0

    async def _items(
        self,
        client: httpx.AsyncClient,
        service: str,
        path: str,
        officer: dict[str, str],
        **query: str,
    ) -> list[dict[str, Any]]:
        try:
            answer = await client.get(
                self.installation.url(service) + path,
                params={**query, "limit": 100},
                headers=officer,
            )
        except httpx.TransportError:
            return []
        if answer.status_code != 200:
            return []
        return list(answer.json()["items"])


def _ours(documents: list[dict[str, Any]]) -> bool:
    """Documents of this traffic's types (the directly appended histories are AKTA)."""
    kinds = {t.value for t in HTTP_TYPES}
    return bool(documents) and all(d["document_type"] in kinds for d in documents)
