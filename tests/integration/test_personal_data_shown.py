"""Who sees a citizen's NIK and phone number, on the screen and on paper, in all four services.

One office history (two files: one delivered, one returned and received back) is played into
the log; the four services run in process with their consumers. Then every reading route of
every service is called by every role that may call it, and the answer (JSON, CSV, or the
text of a PDF) is searched for the NIK and for the phone number in every way it can be
written (+62812..., 62812..., 0812..., 0812-3456-7890).

- NIK: masked (first 6, last 4) for every role but the auditor, everywhere; the courier never
  sees it, not even masked. A KTP-el's number is its holder's NIK: it shows only its last 4
  digits to every role but the auditor.
- Phone: whole where the work needs it (the FO desk that recorded it, the courier who calls
  the citizen, and the Surat Pengantar, the paper handed to the courier with the documents);
  masked on every other screen (approval's recap lists, reporting)."""

import contextlib
import io
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from pypdf import PdfReader

from services.approval.main import create_app as approval_app
from services.courier.main import create_app as courier_app
from services.intake.main import create_app as intake_app
from services.reporting.main import create_app as reporting_app
from shared.log import EventLog
from shared.masking import mask_document_number, mask_nik
from tests.conftest import running, token_for
from tests.door_support import photo
from tests.polling import wait_until
from tests.sop_history import NIK, Office

PHONE_DIGITS = "81234567890"  # +6281234567890, as every history of tests.sop_history has it
ROLES = ("FO", "KASUBBAG_UMUM", "SEKRETARIS", "COURIER", "AUDITOR")
TOKENS = {role: token_for(role, officer_id=f"{role.lower()}-1") for role in ROLES}


def readable_text(response: httpx.Response) -> str:
    """What a reader sees: the JSON or CSV as it is, a PDF's extracted text."""
    if response.headers["content-type"].startswith("application/pdf"):
        return "\n".join(
            page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages
        )
    return response.text


def digits_joined(text: str) -> str:
    """`0812-3456-7890` and `0812 3456 7890` become `081234567890`; other text stays."""
    return re.sub(r"(?<=\d)[\s\-.]+(?=\d)", "", text)


def shows_nik(text: str) -> bool:
    return NIK in digits_joined(text)


def shows_phone(text: str) -> bool:
    return PHONE_DIGITS in digits_joined(text)


@dataclass
class Office4:
    """The four services on one log, and the ids of the day's files."""

    clients: dict[str, httpx.AsyncClient]
    delivered: uuid.UUID
    returned: uuid.UUID
    recap_id: uuid.UUID
    letter_id: uuid.UUID

    async def read(self, service: str, path: str, role: str) -> httpx.Response:
        response = await self.clients[service].get(path, headers=TOKENS[role])
        assert response.status_code == 200, f"{service} {path} as {role}: {response.text}"
        return response


@pytest.fixture
async def office(service_env: dict[str, str], event_log: EventLog) -> AsyncIterator[Office4]:
    """Intake's part appended as intake appends it; the rest of the day through the API."""
    history = Office(event_log)
    delivered, returned = await history.register(), await history.register()
    recap_id = await history.recap([delivered, returned])
    apps = {
        "intake": intake_app(),
        "approval": approval_app(),
        "courier": courier_app(),
        "reporting": reporting_app(),
    }
    async with contextlib.AsyncExitStack() as stack:
        clients = {
            name: await stack.enter_async_context(running(app)) for name, app in apps.items()
        }
        day = Office4(clients, delivered, returned, recap_id, letter_id=uuid.uuid4())
        await _play_the_day(day)
        await _caught_up(day)
        yield day


async def _post(
    day: Office4, service: str, path: str, role: str, body: object = None, **form: Any
) -> dict:
    """POST `body` as JSON, or `form` (data=, files=) as a multipart form."""
    sent = form or {"json": body}
    response = await day.clients[service].post(path, headers=TOKENS[role], **sent)
    assert response.status_code in (200, 201), f"{service} {path}: {response.text}"
    return dict(response.json())


async def _play_the_day(day: Office4) -> None:
    async def recap_reached_approval() -> bool:
        response = await day.clients["approval"].get("/recaps", headers=TOKENS["SEKRETARIS"])
        return len(response.json()["items"]) == 1

    await wait_until(recap_reached_approval)
    letter = await _post(
        day, "approval", "/letters", "KASUBBAG_UMUM", {"recap_id": str(day.recap_id)}
    )
    day.letter_id = uuid.UUID(letter["letter_id"])
    await _post(day, "approval", f"/letters/{day.letter_id}/sign", "SEKRETARIS")

    async def handover_ready() -> bool:
        path = f"/handovers/{day.letter_id}"
        response = await day.clients["courier"].get(path, headers=TOKENS["COURIER"])
        return response.status_code == 200 and len(response.json()["documents"]) == 2

    await wait_until(handover_ready)
    await _post(day, "courier", f"/handovers/{day.letter_id}/accept", "COURIER")
    delivered = {"recipient_name": "Rina Marlina", "relationship": "SELF"}
    await _post(
        day,
        "courier",
        f"/deliveries/{day.delivered}/delivered",
        "COURIER",
        data=delivered,
        files={"photo": ("serah-terima.jpg", photo(), "image/jpeg")},
    )
    returned = {"reason": "ADDRESS_NOT_FOUND", "note": "rumah kosong"}
    await _post(day, "courier", f"/deliveries/{day.returned}/returned", "COURIER", returned)
    await _post(day, "courier", f"/returns/{day.returned}/receive", "KASUBBAG_UMUM")


async def _caught_up(day: Office4) -> None:
    """Every projection has the whole day (they follow the log within moments)."""

    async def status(service: str, path: str, role: str) -> httpx.Response:
        return await day.clients[service].get(path, headers=TOKENS[role])

    async def all_there() -> bool:
        dossier = await status("intake", f"/dossiers/{day.returned}", "FO")
        recaps = await status("approval", "/recaps?status=LETTER_SIGNED", "KASUBBAG_UMUM")
        returns = await status("courier", "/returns?received=true", "KASUBBAG_UMUM")
        card = await status("reporting", f"/control-cards/{day.returned}", "AUDITOR")
        return (
            dossier.status_code == 200
            and dossier.json()["status"] == "RECEIVED_BACK"
            and len(recaps.json()["items"]) == 1
            and all(d["name"] for d in recaps.json()["items"][0]["documents"])
            and len(returns.json()["items"]) == 1
            and card.status_code == 200
            and card.json()["status"] == "RECEIVED_BACK"
        )

    await wait_until(all_there)


def intake_reads(day: Office4) -> list[str]:
    return [
        "/dossiers",
        f"/dossiers/{day.delivered}",
        f"/dossiers/{day.returned}",
        f"/recaps/{day.recap_id}",
        f"/recaps/{day.recap_id}/pdf",
    ]


def reporting_reads(day: Office4) -> list[str]:
    return [
        f"/control-cards/{day.delivered}",
        f"/control-cards/{day.returned}",
        "/reports/deliveries",
        "/reports/deliveries?format=csv",
        "/reports/deliveries?format=pdf",
        "/reports/undelivered",
        "/reports/delays",
    ]


async def test_the_intake_desk_shows_the_nik_masked_to_everyone_and_the_phone_whole(
    office: Office4,
) -> None:
    for role in ("FO", "KASUBBAG_UMUM", "SEKRETARIS"):
        for path in intake_reads(office):
            text = readable_text(await office.read("intake", path, role))
            assert not shows_nik(text), f"intake {path} shows {role} the whole NIK"
    dossier = (await office.read("intake", f"/dossiers/{office.delivered}", "FO")).json()
    assert dossier["nik"] == mask_nik(NIK) == "147101******0003"
    assert dossier["phone"] == "+6281234567890"
    paper = readable_text(await office.read("intake", f"/recaps/{office.recap_id}/pdf", "FO"))
    assert "Rina Marlina" in paper and shows_phone(paper), "the Daftar Rekapan lists the phones"


async def test_approval_shows_no_nik_and_the_phone_masked_except_on_the_courier_s_paper(
    office: Office4,
) -> None:
    screens = [
        "/recaps",
        "/recaps?status=LETTER_SIGNED",
        "/letters",
        f"/letters/{office.letter_id}",
    ]
    for role in ("KASUBBAG_UMUM", "SEKRETARIS", "AUDITOR"):
        for path in screens:
            text = (await office.read("approval", path, role)).text
            assert not shows_nik(text) and not shows_phone(text), f"approval {path} as {role}"
    [recap] = (await office.read("approval", "/recaps", "KASUBBAG_UMUM")).json()["items"]
    assert {d["phone"] for d in recap["documents"]} == {"+62812*****890"}
    paper = readable_text(
        await office.read("approval", f"/letters/{office.letter_id}/pdf", "SEKRETARIS")
    )
    assert "Rina Marlina" in paper
    assert not shows_nik(paper) and mask_nik(NIK) not in paper
    assert shows_phone(paper), "the Surat Pengantar goes with the courier, who must call"


async def test_the_courier_never_sees_a_nik_not_even_masked(office: Office4) -> None:
    reads = [
        ("COURIER", "/handovers"),
        ("COURIER", "/handovers?status=ACCEPTED"),
        ("COURIER", f"/handovers/{office.letter_id}"),
        ("KASUBBAG_UMUM", "/returns"),
    ]
    for role, path in reads:
        text = (await office.read("courier", path, role)).text
        assert "nik" not in text.lower() and not shows_nik(text), f"courier {path}"
        assert mask_nik(NIK) not in text
        assert shows_phone(text), f"courier {path}: the courier calls the citizen"
    handover = (await office.read("courier", f"/handovers/{office.letter_id}", "COURIER")).json()
    numbers = {document["document_number"] for document in handover["documents"]}
    assert numbers == {mask_document_number(NIK)} == {"************0003"}, "a KTP-el's is a NIK"


async def test_reporting_masks_the_nik_for_all_but_the_auditor_and_never_shows_a_phone(
    office: Office4,
) -> None:
    for role in ("KASUBBAG_UMUM", "SEKRETARIS"):
        for path in reporting_reads(office):
            text = readable_text(await office.read("reporting", path, role))
            assert not shows_nik(text), f"reporting {path} shows {role} the whole NIK"
            assert not shows_phone(text), f"reporting {path} shows {role} a phone"
    for path in reporting_reads(office):
        text = readable_text(await office.read("reporting", path, "AUDITOR"))
        assert not shows_phone(text), f"reporting {path} shows the auditor a phone"
    card = (
        await office.read("reporting", f"/control-cards/{office.returned}", "SEKRETARIS")
    ).json()
    assert card["nik"] == mask_nik(NIK)
    assert card["document_number"] == mask_document_number(NIK)
    card = (await office.read("reporting", f"/control-cards/{office.returned}", "AUDITOR")).json()
    assert card["nik"] == NIK, "the auditor reads the file as it was registered"
    assert card["document_number"] == NIK
