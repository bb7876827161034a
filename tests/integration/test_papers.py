"""The papers an office files: a recap list and its cover letter with the office's
letterhead, the document types' proper names, numbers a person can read, signature
blocks with name and NIP, the date printed once, and a QR code whose page checks the letter
against the log without a sign-in."""

import contextlib
import io
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from axe_playwright_python.async_playwright import Axe
from PIL import Image
from playwright.async_api import async_playwright
from pypdf import PdfReader

from services.approval.main import create_app as approval_app
from services.intake.domain import RegistryEntry
from services.intake.main import create_app as intake_app
from services.intake.registry import load_registry
from services.reporting.main import create_app as reporting_app
from shared.vocabulary import DocumentType
from shared.wib import tanggal
from tests.conftest import running, token_for
from tests.integration.courier_support import eventually
from tests.pdf import pdf_text

FO = token_for("FO", officer_id="198001012005011001", name="Siti Rahma")
KASUBBAG = token_for("KASUBBAG_UMUM", officer_id="197503102000031002", name="Budi Santoso")
SEKRETARIS = token_for("SEKRETARIS", officer_id="196812121990032001", name="Dra. Nurhayati")
AUDITOR = token_for("AUDITOR", officer_id="auditor-1", name="Rudi Auditor")
NIKS = {
    DocumentType.KTP_EL: ["1471015708900043", "1471011703850051", "1471014506900068"],
    DocumentType.KK: ["1471012003800072"],
}


@dataclass
class Office:
    intake: httpx.AsyncClient
    approval: httpx.AsyncClient
    reporting: httpx.AsyncClient


@pytest.fixture
def logo(tmp_path: Path) -> Path:
    path = tmp_path / "logo.png"
    Image.new("RGB", (60, 80), (20, 90, 40)).save(path)
    return path


@pytest.fixture
async def office(
    service_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, logo: Path
) -> AsyncIterator[Office]:
    letterhead = {
        "government": "PEMERINTAH KOTA PEKANBARU",
        "agency": "DINAS KEPENDUDUKAN DAN PENCATATAN SIPIL",
        "address": "Jl. Contoh No. 1, Pekanbaru 28121",
        "contact": "Telp. (0761) 000000",
        "place": "Pekanbaru",
        "head": "KEPALA DINAS KEPENDUDUKAN DAN PENCATATAN SIPIL KOTA PEKANBARU",
        "logo": str(logo),
    }
    monkeypatch.setenv("JASA_LETTERHEADS", json.dumps({"1471": letterhead}))
    monkeypatch.setenv("JASA_PUBLIC_URL", "https://dukcapil.example.go.id/jasa/")
    async with contextlib.AsyncExitStack() as stack:
        intake = intake_app()
        clients = [
            await stack.enter_async_context(running(app))
            for app in (intake, approval_app(), reporting_app())
        ]
        entries = [
            RegistryEntry(kind, nik, nik, "", True) for kind, niks in NIKS.items() for nik in niks
        ]
        await load_registry(intake.state.context.engine, entries, office="1471")
        yield Office(*clients)


async def registered(office: Office, kind: DocumentType, nik: str, name: str) -> None:
    application = {
        "nik": nik,
        "name": name,
        "address": "Jl. Sudirman No. 12",
        "phone": "0812-3456-7890",
        "document_type": kind.value,
        "document_number": nik,
    }
    response = await office.intake.post("/dossiers", json=application, headers=FO)
    assert response.status_code == 201, response.text


async def recap(office: Office, kind: DocumentType) -> dict[str, Any]:
    response = await office.intake.post("/recaps", json={"document_type": kind.value}, headers=FO)
    assert response.status_code == 201, response.text
    return {**response.json(), "position": response.headers["Jasa-Log-Position"]}


async def test_recaps_are_numbered_per_type_and_year_without_gaps(office: Office) -> None:
    year = datetime.now(UTC).year  # a test run at New Year's Eve in WIB would see the next
    first_ktp, second_ktp, _ = NIKS[DocumentType.KTP_EL]
    await registered(office, DocumentType.KTP_EL, first_ktp, "Rina Marlina")
    one = await recap(office, DocumentType.KTP_EL)
    await registered(office, DocumentType.KK, NIKS[DocumentType.KK][0], "Joko Susilo")
    kk = await recap(office, DocumentType.KK)
    await registered(office, DocumentType.KTP_EL, second_ktp, "Sri Wahyuni")
    two = await recap(office, DocumentType.KTP_EL)
    numbers = [one["recap_number"], kk["recap_number"], two["recap_number"]]
    assert numbers[0].startswith("REK/KTP-EL/") and numbers[0].endswith("/0001")
    assert numbers[1].startswith("REK/KK/") and numbers[1].endswith("/0001")
    assert numbers[2].startswith("REK/KTP-EL/") and numbers[2].endswith("/0002")
    assert str(year) in numbers[0] or str(year + 1) in numbers[0]
    after = {**FO, "Jasa-Read-After": two["position"]}
    read = await office.intake.get(f"/recaps/{two['recap_id']}", headers=after)
    assert read.json()["recap_number"] == numbers[2]  # the same number when read again

    paper = await office.intake.get(f"/recaps/{two['recap_id']}/pdf", headers=FO)
    assert numbers[2].replace("/", "-") in paper.headers["content-disposition"]
    text = pdf_text(paper.content)
    assert numbers[2] in text and str(two["recap_id"]) not in text
    assert "DAFTAR REKAPAN PENGIRIMAN DOKUMEN KTP ELEKTRONIK" in text
    assert "KTP_EL" not in text
    assert "Jl. Contoh No. 1, Pekanbaru 28121" in text  # the letterhead from settings
    assert "NIP. 198001012005011001" in text and "Siti Rahma" in text
    assert text.count(tanggal(datetime.now(UTC))) == 1, text  # the date, once
    assert len(PdfReader(io.BytesIO(paper.content)).pages[0].images) == 1  # the logo


async def signed_letter(office: Office) -> dict[str, Any]:
    await registered(office, DocumentType.KTP_EL, NIKS[DocumentType.KTP_EL][2], "Dewi Lestari")
    recap_id = (await recap(office, DocumentType.KTP_EL))["recap_id"]
    letter = await eventually(
        lambda: office.approval.post("/letters", json={"recap_id": recap_id}, headers=KASUBBAG),
        lambda r: r.status_code == 201,
        "a letter for the recap",
    )
    letter_id = letter.json()["letter_id"]
    signed = await office.approval.post(f"/letters/{letter_id}/sign", headers=SEKRETARIS)
    assert signed.status_code == 200, signed.text
    return dict(signed.json())


async def test_the_cover_letter_is_signed_for_the_head_and_carries_a_qr_code(
    office: Office,
) -> None:
    letter = await signed_letter(office)
    paper = await office.approval.get(f"/letters/{letter['letter_id']}/pdf", headers=KASUBBAG)
    text = pdf_text(paper.content).replace("\n", " ")
    assert "a.n. KEPALA DINAS KEPENDUDUKAN DAN PENCATATAN SIPIL KOTA PEKANBARU" in text
    assert "Dra. Nurhayati" in text and "NIP. 196812121990032001" in text
    assert "NIP. 197503102000031002" in text  # the drafter's initials
    assert "KTP Elektronik" in text and "KTP_EL" not in text
    assert "REK/KTP-EL/" in text  # the recap list it carries, by its number
    assert text.count(tanggal(datetime.now(UTC))) == 1, text
    url = f"https://dukcapil.example.go.id/jasa/verifikasi/surat/{letter['letter_id']}"
    assert url in pdf_text(paper.content).replace("\n", "")
    assert len(PdfReader(io.BytesIO(paper.content)).pages[-1].images) >= 1  # the QR code


async def test_anyone_checks_a_letter_against_the_log_without_signing_in(office: Office) -> None:
    letter = await signed_letter(office)
    path = f"/verifikasi/surat/{letter['letter_id']}"
    answer = await eventually(
        lambda: office.reporting.get(path, headers={"Accept": "application/json"}),
        lambda r: r.status_code == 200 and r.json()["valid"],
        "the letter signed in reporting's read model",
    )
    checked = answer.json()
    assert checked["letter_number"] == letter["letter_number"]
    assert (checked["signed_by"], checked["document_count"]) == ("Dra. Nurhayati", 1)
    assert checked["signed_on"] == letter["signed_at"][:10]
    assert set(checked) == {
        "letter_id", "letter_number", "status", "valid", "signed_on", "signed_by",
        "document_type", "document_count", "office",
    }  # fmt: skip
    page = await office.reporting.get(path, headers={"Accept": "text/html"})
    assert page.status_code == 200 and '<html lang="id">' in page.text
    assert letter["letter_number"] in page.text and "Dewi Lestari" not in page.text
    assert NIKS[DocumentType.KTP_EL][2] not in page.text
    assert "http" not in page.text.split("<main>")[0].replace('"http-equiv"', "")  # no CDN
    unknown = await office.reporting.get(
        "/verifikasi/surat/00000000-0000-4000-8000-000000000000", headers={"Accept": "text/html"}
    )
    assert unknown.status_code == 404 and "tidak ditemukan" in unknown.text

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path="/usr/bin/chromium")
        try:
            tab = await browser.new_page(viewport={"width": 360, "height": 740})
            for html in (page.text, unknown.text):
                await tab.set_content(html)
                results = await Axe().run(tab)
                serious = [
                    v["id"]
                    for v in results.response["violations"]
                    if v["impact"] in ("serious", "critical")
                ]
                assert serious == []
                width = await tab.evaluate("document.documentElement.scrollWidth")
                assert width <= 360  # fits a courier's or a citizen's phone
        finally:
            await browser.close()
