"""Erasing a person's data after their document went through the whole procedure: the four
services in process on one Redis, `jasa privacy erase`, then what every reader sees."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import Result
from redis.asyncio import Redis
from typer.testing import CliRunner

from services.approval.main import create_app as approval_app
from services.cli import app as jasa
from services.courier.main import create_app as courier_app
from services.intake.domain import RegistryEntry
from services.intake.main import create_app as intake_app
from services.intake.registry import load_registry
from services.reporting.main import create_app as reporting_app
from shared.keys import Keys
from shared.privacy import ERASED
from shared.vocabulary import DocumentType
from tests.conftest import running, token_for
from tests.door_support import photo
from tests.integration.courier_support import eventually
from tests.pdf import pdf_text

FO = token_for("FO", officer_id="198001012005011001", name="Siti Rahma")
KASUBBAG = token_for("KASUBBAG_UMUM", officer_id="197503102000031002", name="Budi Santoso")
SEKRETARIS = token_for("SEKRETARIS", officer_id="196812121990032001", name="Dra. Nurhayati")
COURIER = token_for("COURIER", officer_id="kurir-7", name="Andi Kurir")
AUDITOR = token_for("AUDITOR", officer_id="auditor-1", name="Rudi Auditor")


@dataclass(frozen=True)
class Person:
    nik: str
    name: str
    address: str
    phone: str  # as the FO types it
    e164: str

    def traces(self) -> list[bytes]:
        """Every form in which this person's data could be found."""
        national = self.phone.encode()
        return [
            self.nik.encode(),
            self.name.encode(),
            self.address.encode(),
            self.e164.encode(),
            self.e164[3:].encode(),  # without +62
            national,
        ]


SRI = Person(
    "1471015708900011",
    "Sri Wahyuni",
    "Jl. Kaharuddin Nasution No. 88, Marpoyan",
    "0813-7100-2233",
    "+6281371002233",
)
JOKO = Person(
    "1471011703850042",
    "Joko Susilo",
    "Jl. Harapan Raya No. 5, Bukit Raya",
    "0852-6611-4455",
    "+6285266114455",
)


@dataclass
class Office:
    intake: httpx.AsyncClient
    approval: httpx.AsyncClient
    courier: httpx.AsyncClient
    reporting: httpx.AsyncClient


@pytest.fixture
async def office(service_env: dict[str, str]) -> AsyncIterator[Office]:
    async with contextlib.AsyncExitStack() as stack:
        intake = intake_app()
        clients = [
            await stack.enter_async_context(running(app))
            for app in (intake, approval_app(), courier_app(), reporting_app())
        ]
        for person in (SRI, JOKO):
            # A KTP-el's number is its holder's NIK.
            entry = RegistryEntry(DocumentType.KTP_EL, person.nik, person.nik, "", True)
            await load_registry(intake.state.context.engine, [entry], office="1471")
        yield Office(*clients)


async def run_jasa(*args: str) -> Result:
    """`jasa ARGS...` in a thread of its own (it runs its own event loop)."""
    return await asyncio.to_thread(CliRunner().invoke, jasa, list(args))


async def register(office: Office, person: Person, number: str, key: str) -> httpx.Response:
    application = {
        "nik": person.nik,
        "name": person.name,
        "address": person.address,
        "phone": person.phone,
        "document_type": "KTP_EL",
        "document_number": number,
    }
    headers = {**FO, "Idempotency-Key": key}
    return await office.intake.post("/dossiers", json=application, headers=headers)


async def through_the_whole_procedure(office: Office) -> tuple[str, str, str, str]:
    """Sri and Joko registered, recapped, lettered, signed and handed over; Joko's KTP-el
    delivered, Sri's returned and received back."""
    sri = (await register(office, SRI, SRI.nik, "sri-1")).json()["dossier_id"]
    joko = (await register(office, JOKO, JOKO.nik, "joko-1")).json()["dossier_id"]
    for dossier_id in (sri, joko):
        await eventually(
            lambda d=dossier_id: office.intake.get(f"/dossiers/{d}", headers=FO),
            lambda r: r.status_code == 200,
            "the registration in intake's read model",
        )
    recap = await office.intake.post("/recaps", json={"document_type": "KTP_EL"}, headers=FO)
    recap_id = recap.json()["recap_id"]
    await eventually(
        lambda: office.approval.get("/recaps?status=AWAITING_LETTER", headers=KASUBBAG),
        lambda r: any(item["recap_id"] == recap_id for item in r.json()["items"]),
        "the recap in approval",
    )
    letter = await office.approval.post("/letters", json={"recap_id": recap_id}, headers=KASUBBAG)
    letter_id = letter.json()["letter_id"]
    signed = await office.approval.post(f"/letters/{letter_id}/sign", headers=SEKRETARIS)
    assert signed.status_code == 200, signed.text
    await eventually(
        lambda: office.courier.get(f"/handovers/{letter_id}", headers=COURIER),
        lambda r: r.status_code == 200 and len(r.json()["documents"]) == 2,
        "the ready handover with its manifest",
    )
    accepted = await office.courier.post(f"/handovers/{letter_id}/accept", headers=COURIER)
    assert accepted.status_code == 200, accepted.text
    delivered = await office.courier.post(
        f"/deliveries/{joko}/delivered",
        data={"recipient_name": JOKO.name, "relationship": "SELF", "note": "diterima"},
        files={"photo": ("serah-terima.jpg", photo(), "image/jpeg")},
        headers=COURIER,
    )
    assert delivered.status_code == 200, delivered.text
    returned = await office.courier.post(
        f"/deliveries/{sri}/returned",
        # A note may name the person: it is sealed and erased with them.
        json={"reason": "RECIPIENT_NOT_HOME", "note": f"rumah kosong, {SRI.name} pindah"},
        headers=COURIER,
    )
    assert returned.status_code == 200, returned.text
    received = await office.courier.post(f"/returns/{sri}/receive", headers=KASUBBAG)
    assert received.status_code == 200, received.text
    for dossier_id, status in ((sri, "RECEIVED_BACK"), (joko, "DELIVERED")):
        await eventually(
            lambda d=dossier_id: office.reporting.get(f"/control-cards/{d}", headers=AUDITOR),
            lambda r, s=status: r.status_code == 200 and r.json()["status"] == s,
            "the document's last step on its control card",
        )
    return sri, joko, recap_id, letter_id


def text_of(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text
    return pdf_text(response.content)


def documents_of(listing: dict[str, Any], dossier_id: str) -> dict[str, Any]:
    return next(d for d in listing["documents"] if d["dossier_id"] == dossier_id)


async def everything_redis_holds(redis: Redis, keys: Keys) -> bytes:
    """The bytes of every entry of the log and of every aggregate stream of the office."""
    raw = b""
    for key in [keys.log] + [
        key async for key in redis.scan_iter(match=keys.stream("*"), count=1000)
    ]:
        for _, fields in await redis.xrange(key):
            raw += b"\n".join(fields.values())
    return raw


async def test_an_erased_person_reads_as_erased_everywhere_and_the_audit_still_holds(
    office: Office, redis: Redis, keys: Keys
) -> None:
    sri, joko, recap_id, letter_id = await through_the_whole_procedure(office)
    card_before = (await office.reporting.get(f"/control-cards/{sri}", headers=AUDITOR)).json()
    assert (card_before["nik"], card_before["name"]) == (SRI.nik, SRI.name)
    assert card_before["document_number"] == SRI.nik  # the auditor reads it whole

    erased = await run_jasa(
        "privacy", "erase", sri, "--officer-id", "auditor-1", "--name", "Rudi Auditor", "--yes"
    )
    assert erased.exit_code == 0, erased.output
    assert "data key of dossier" in erased.output and "AOF" in erased.output

    dossier = await eventually(
        lambda: office.intake.get(f"/dossiers/{sri}", headers=FO),
        lambda r: r.json()["name"] == ERASED,
        "intake's dossier erased",
    )
    fields = ("nik", "name", "address", "phone", "document_number")
    assert {dossier.json()[f] for f in fields} == {ERASED}
    assert dossier.json()["status"] == "RECEIVED_BACK"
    recaps = await eventually(
        lambda: office.approval.get("/recaps", headers=KASUBBAG),
        lambda r: documents_of(r.json()["items"][0], sri)["name"] == ERASED,
        "approval's recap list erased",
    )
    shown = documents_of(recaps.json()["items"][0], sri)
    assert (shown["name"], shown["address"], shown["phone"]) == (ERASED, ERASED, ERASED)
    handover = await eventually(
        lambda: office.courier.get(f"/handovers/{letter_id}", headers=COURIER),
        lambda r: documents_of(r.json(), sri)["name"] == ERASED,
        "courier's manifest erased",
    )
    assert documents_of(handover.json(), sri)["address"] == ERASED
    card = await eventually(
        lambda: office.reporting.get(f"/control-cards/{sri}", headers=AUDITOR),
        lambda r: r.json()["name"] == ERASED,
        "the control card erased",
    )
    assert card.json()["nik"] == card.json()["document_number"] == ERASED
    # Erasure is no SOP step; the notes on the card, which may name the person, read erased.
    returned_before = [s for s in card_before["steps"] if s["event"] == "Returned"]
    assert returned_before[0]["reason"] == "RECIPIENT_NOT_HOME"
    assert returned_before[0]["note"] == f"rumah kosong, {SRI.name} pindah"
    assert card.json()["steps"] == [
        {**step, "note": ERASED if step["note"] else step["note"]} for step in card_before["steps"]
    ]

    letter_pdf = text_of(await office.approval.get(f"/letters/{letter_id}/pdf", headers=KASUBBAG))
    recap_pdf = text_of(await office.intake.get(f"/recaps/{recap_id}/pdf", headers=FO))
    readable = "\n".join(
        [
            letter_pdf,
            recap_pdf,
            dossier.text,
            recaps.text,
            handover.text,
            card.text,
            (await office.intake.get("/dossiers", headers=FO)).text,
            (await office.courier.get("/returns?received=true", headers=KASUBBAG)).text,
            (await office.reporting.get("/reports/undelivered", headers=AUDITOR)).text,
            (await office.reporting.get(f"/control-cards/{sri}", headers=AUDITOR)).text,
        ]
    ).replace("\n", " ")
    assert ERASED in letter_pdf and ERASED in recap_pdf
    for trace in SRI.traces():
        assert trace.decode() not in readable, trace
    assert JOKO.name in letter_pdf and JOKO.name in handover.text  # only Sri was erased
    joko_card = await office.reporting.get(f"/control-cards/{joko}", headers=AUDITOR)
    assert (joko_card.json()["nik"], joko_card.json()["name"]) == (JOKO.nik, JOKO.name)

    stored = await everything_redis_holds(redis, keys)
    for person in (SRI, JOKO):
        for trace in person.traces():
            assert trace not in stored, trace

    verified = await run_jasa("audit", "verify")
    assert verified.exit_code == 0, verified.output
    replayed = await run_jasa("audit", "replay")
    assert replayed.exit_code == 0, replayed.output
    assert "equal the replay" in replayed.output


async def test_a_retried_registration_returns_the_same_dossier_with_one_event(
    office: Office, redis: Redis, keys: Keys
) -> None:
    first = await register(office, SRI, SRI.nik, "sri-1")
    retry = await register(office, SRI, SRI.nik, "sri-1")
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.json()["name"] == SRI.name
    stream = keys.stream(f"dossier-{first.json()['dossier_id']}")
    assert await redis.xlen(stream) == 1
    assert await redis.xlen(keys.log) == 1


async def test_erasing_twice_tells_the_services_once_and_an_unknown_dossier_is_refused(
    office: Office, redis: Redis, keys: Keys
) -> None:
    sri = (await register(office, SRI, SRI.nik, "sri-1")).json()["dossier_id"]
    first = await run_jasa("privacy", "erase", sri, "--yes")
    again = await run_jasa("privacy", "erase", sri, "--yes")
    assert (first.exit_code, again.exit_code) == (0, 0), first.output + again.output
    assert "erased before" in again.output and "appended before" in again.output
    erasures = [
        fields
        for _, fields in await redis.xrange(keys.log)
        if fields[b"type"] == b"PersonalDataErased"
    ]
    assert len(erasures) == 1
    assert b'"officer_id":"system"' in erasures[0][b"event"]
    unknown = await run_jasa("privacy", "erase", "0d3c1e52-5b7a-4a0e-9d4e-1c2b3a4d5e6f", "--yes")
    assert unknown.exit_code == 1
    assert "there is no dossier" in unknown.output
    assert await redis.xlen(keys.log) == 2


async def test_a_replay_without_the_installations_key_says_so_instead_of_differing(
    office: Office, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await register(office, SRI, SRI.nik, "sri-1")
    monkeypatch.setenv("JASA_DATA_DIR", str(tmp_path / "elsewhere"))
    replayed = await run_jasa("audit", "replay")
    assert replayed.exit_code == 2, replayed.output
    assert "encrypted personal data" in replayed.output and "JASA_PII_KEY" in replayed.output
