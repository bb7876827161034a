"""Five officers walk the whole procedure through the screens alone, each signed in with their
own account in their own browser: the FO registers three Kartu Keluarga and compiles their
recap, the Kasubbag Umum drafts the cover letter, the Sekretaris signs it, the courier (on a
360x740 phone) accepts the handover, sets out with one document and hands it over against the
receipt code the citizen was sent, and returns another; the Kasubbag Umum receives the
returned one back, and the auditor opens each control card and finds every step with the
name of the officer who was signed in when it was done.

Only the setup goes around the screens: the registry loaded and the officers enrolled with
the CLI, as an administrator does; the receipt code is read where the citizen would read it,
in the message the office's `file` notifier wrote."""

import json
import re
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from random import Random

import pytest
from playwright.sync_api import Browser, Page, expect

from services.cli.demo.applicants import Applicant, RegistryRow, applicants, write_registry_csv
from shared.vocabulary import DocumentType, Role
from tests.browser.conftest import DESK, Office, assert_accessible, screenshot, sign_in
from tests.e2e.office_client import eventually

POLL = 30_000  # ms: the queues poll every 5 s, and the machine may be busy
NUMBER = re.compile(r"nomor (\S+) dibuat")
PHONE_WIDTH = 360

FO = ("siti.fo", "Siti Rahmawati")
KASUBBAG = ("nur.kasubbag", "Hj. Nurhayati")
SEKRETARIS = ("zul.sekretaris", "Drs. H. Zulkarnain")
COURIER = ("rudi.kurir", "Rudi Hartono")
AUDITOR = ("bambang.auditor", "Ir. Bambang Sutejo")


@pytest.fixture(scope="module")
def people(office: Office, tmp_path_factory: pytest.TempPathFactory) -> list[Applicant]:
    """Three citizens whose Kartu Keluarga are printed and signed, in the office's registry;
    the five officers enrolled."""
    found = [
        p for p in applicants(40, Random(2626), date.today()) if p.document_type is DocumentType.KK
    ][:3]
    assert len(found) == 3
    rows = [RegistryRow(p.document_number, p.document_type, p.nik, p.name, True) for p in found]
    registry = write_registry_csv(tmp_path_factory.mktemp("registry") / "kk.csv", rows)
    loaded = office.jasa("registry", "load", str(registry))
    assert loaded.returncode == 0, loaded.stderr
    office.enrol(FO[0], Role.FO, FO[1])
    office.enrol(KASUBBAG[0], Role.KASUBBAG_UMUM, KASUBBAG[1])
    office.enrol(SEKRETARIS[0], Role.SEKRETARIS, SEKRETARIS[1])
    office.enrol(COURIER[0], Role.COURIER, COURIER[1])
    office.enrol(AUDITOR[0], Role.AUDITOR, AUDITOR[1])
    return found


@pytest.fixture
def desks(browser: Browser) -> Iterator[Callable[[], Page]]:
    """Each call another officer's desk: a browser of their own, with its own cookies."""
    contexts = []

    def desk() -> Page:
        context = browser.new_context(viewport=DESK, locale="id-ID")
        contexts.append(context)
        return context.new_page()

    yield desk
    for context in contexts:
        context.close()


def code_sent(office: Office, dossier_id: str) -> str | None:
    """The receipt code last sent to the citizen for a document: the message the `file`
    notifier wrote (`notifications.jsonl` in the data dir), as `jasa demo` reads it."""
    path = office.system.data_dir / "notifications.jsonl"
    if not path.exists():
        return None
    messages = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    codes = [
        m["params"]["receipt_code"]
        for m in messages
        if m["dossier_id"] == dossier_id and m["kind"] == "out_for_delivery"
    ]
    return codes[-1] if codes else None


def fits_the_phone(phone: Page) -> None:
    width = phone.evaluate("document.scrollingElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"{phone.url} scrolls sideways: {width}px wide"


def the_fo_registers(page: Page, person: Applicant) -> str:
    """The registration form filled and sent; the dossier's id, from the result's link."""
    page.get_by_label("NIK").fill(person.nik)
    page.get_by_label("Nama", exact=True).fill(person.name)
    page.get_by_label("Alamat pengiriman").fill(person.address)
    page.get_by_label("Nomor HP").fill(person.phone)
    page.get_by_label("Jenis dokumen").select_option(person.document_type.value)
    page.get_by_label("Nomor dokumen").fill(person.document_number)
    page.get_by_role("button", name="Daftarkan").click()
    result = page.get_by_role("status").filter(has_text="Berkas terdaftar")
    expect(result).to_contain_text(person.name)
    expect(result).to_contain_text("Terdaftar")
    link = result.get_by_role("link", name="Buka berkas ini")
    dossier_id = (link.get_attribute("href") or "").rsplit("/", 1)[1]
    uuid.UUID(dossier_id)  # a dossier's number, not anything else
    expect(page.get_by_label("NIK")).to_have_value("")  # ready for the next citizen
    return dossier_id


def test_five_officers_walk_the_procedure_from_registration_to_a_document_received_back(
    office: Office,
    people: list[Applicant],
    desks: Callable[[], Page],
    phone: Page,
    request: pytest.FixtureRequest,
) -> None:
    # The FO desk: three registrations through the form, then their recap.
    fo = desks()
    sign_in(fo, office.url("intake"), FO[0])
    expect(fo.get_by_role("heading", level=1)).to_have_text("Pendaftaran dokumen")
    dossiers = {the_fo_registers(fo, person): person for person in people}
    assert len(dossiers) == 3
    assert_accessible(fo)  # the form with a registration's result beside it
    screenshot(fo, request, "1-fo-terdaftar")
    fo.get_by_role("navigation", name="Menu utama").get_by_role(
        "link", name="Daftar rekapan"
    ).click()
    fo.get_by_role("button", name="Rekap Kartu Keluarga (3 menunggu)").click()
    expect(fo.get_by_role("heading", level=1)).to_have_text("Daftar rekapan Kartu Keluarga")
    expect(fo.get_by_role("status")).to_contain_text("Daftar rekapan dibuat.")
    for person in people:
        expect(fo.locator("main")).to_contain_text(person.name)
    screenshot(fo, request, "2-fo-rekapan")

    # The Kasubbag Umum drafts the cover letter for the recap in their queue.
    kasubbag = desks()
    sign_in(kasubbag, office.url("approval"), KASUBBAG[0])
    recap = kasubbag.get_by_role("row").filter(has_text="Kartu Keluarga")
    expect(recap).to_be_visible(timeout=POLL)
    expect(recap.get_by_role("cell").nth(1)).to_have_text("3")
    screenshot(kasubbag, request, "3-kasubbag-rekapan")
    recap.get_by_role("button", name=re.compile("Buat surat pengantar")).click()
    drafted = kasubbag.get_by_role("status")
    expect(drafted).to_contain_text("dibuat")
    found = NUMBER.search(drafted.inner_text())
    assert found, drafted.inner_text()
    letter_number = found.group(1)
    screenshot(kasubbag, request, "4-kasubbag-surat-dibuat")

    # The Sekretaris finds it at her desk, with its three documents, and signs it.
    sekretaris = desks()
    sign_in(sekretaris, office.url("approval"), SEKRETARIS[0])
    letter = sekretaris.get_by_role("article").filter(has_text=letter_number)
    expect(letter).to_be_visible(timeout=POLL)
    expect(letter).to_contain_text(f"Dibuat oleh {KASUBBAG[1]}")
    for person in people:
        expect(letter).to_contain_text(person.name)
    screenshot(sekretaris, request, "5-sekretaris-menunggu")
    letter.get_by_role("button", name=re.compile("Tanda tangani")).click()
    expect(sekretaris.get_by_role("status")).to_contain_text(f"{letter_number} ditandatangani")
    sekretaris.get_by_role("navigation", name="Menu utama").get_by_role(
        "link", name="Surat ditandatangani"
    ).click()
    signed = sekretaris.get_by_role("row").filter(has_text=letter_number)
    expect(signed).to_contain_text(f"Ditandatangani {SEKRETARIS[1]}")
    assert_accessible(sekretaris)
    screenshot(sekretaris, request, "6-sekretaris-ditandatangani")

    # The courier, on the phone: the handover appears by itself, is checked and accepted.
    sign_in(phone, office.url("courier"), COURIER[0])
    handover = phone.locator(".kartu", has_text=letter_number)
    expect(handover).to_contain_text("3 dokumen Kartu Keluarga", timeout=POLL)
    fits_the_phone(phone)
    screenshot(phone, request, "7-kurir-serah-terima")
    handover.get_by_role("link", name="Lihat daftar dokumen").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text(f"Surat {letter_number}")
    phone.get_by_role("button", name="Terima serah terima").click()
    expect(phone).to_have_url(office.url("courier", "/antaran"))
    expect(phone.locator("#pesan")).to_contain_text("3 dokumen siap diantar")
    expect(phone.locator(".kartu")).to_have_count(3)
    screenshot(phone, request, "8-kurir-antaran")

    delivered_id, returned_id, _ = dossiers
    owner = dossiers[delivered_id]
    phone.locator(".kartu", has_text=owner.name).get_by_role("link", name="Catat hasil").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text(owner.name)
    phone.get_by_role("button", name="Berangkat mengantar").click()
    expect(phone.locator("#pesan")).to_contain_text("kode terima 6 angka dikirim ke warga")
    # The citizen reads the code from the message the office sent and says it at the door.
    code = eventually(lambda: code_sent(office, delivered_id), "the receipt code's message")
    phone.get_by_label("Kode terima dari warga (6 angka)").fill(code)
    fits_the_phone(phone)
    screenshot(phone, request, "9-kurir-di-pintu")
    phone.get_by_role("button", name="Simpan: diserahkan dengan kode").click()
    expect(phone).to_have_url(office.url("courier", "/antaran"))
    expect(phone.locator("#pesan")).to_contain_text("tercatat diserahkan: kode terima cocok")
    expect(phone.locator(".kartu", has_text=owner.name)).to_contain_text("Terkirim")

    away = dossiers[returned_id]
    phone.goto(office.url("courier", f"/antaran/{returned_id}"))
    expect(phone.get_by_role("heading", level=1)).to_have_text(away.name)
    back = phone.locator("section", has=phone.get_by_role("heading", name="Dikembalikan"))
    back.get_by_label("Penerima tidak di rumah").check()
    back.get_by_label("Keterangan").fill("Rumah kosong, tetangga tidak mau menerima")
    back.get_by_role("button", name="Simpan: dikembalikan").click()
    expect(phone).to_have_url(office.url("courier", "/antaran"))
    expect(phone.locator("#pesan")).to_contain_text("dikembalikan (penerima tidak di rumah)")
    expect(phone.locator(".kartu", has_text=away.name)).to_contain_text("Dikembalikan kurir")
    fits_the_phone(phone)
    screenshot(phone, request, "10-kurir-setelah")

    # The Kasubbag Umum receives the returned document back at the office.
    kasubbag.get_by_role("navigation", name="Menu utama").get_by_role(
        "link", name="Dokumen kembali"
    ).click()
    row = kasubbag.locator(f"#kembali-{returned_id}")
    expect(row).to_contain_text("Penerima tidak di rumah", timeout=POLL)
    screenshot(kasubbag, request, "11-kasubbag-kembali")
    row.get_by_role("button", name="Terima kembali").click()
    expect(kasubbag.locator("#pesan")).to_contain_text("diterima kembali di kantor")
    expect(kasubbag.locator(f"#kembali-{returned_id}")).to_have_count(0)

    # The auditor opens each control card by its number: every step, and who did it.
    auditor = desks()
    sign_in(auditor, office.url("reporting"), AUDITOR[0])
    before_the_courier = [
        ("Berkas didaftarkan", FO[1]),
        ("Rekapan disusun", FO[1]),
        ("Surat pengantar dibuat", KASUBBAG[1]),
        ("Surat pengantar ditandatangani", SEKRETARIS[1]),
        ("Serah terima ke kurir", COURIER[1]),
    ]
    expected = {
        delivered_id: [
            *before_the_courier,
            ("Diantar ke alamat (kode terima dikirim)", COURIER[1]),
            ("Diserahkan ke penerima", COURIER[1]),
        ],
        returned_id: [
            *before_the_courier,
            ("Dikembalikan kurir", COURIER[1]),
            ("Diterima kembali di kantor", KASUBBAG[1]),
        ],
    }
    for n, (dossier_id, steps) in enumerate(expected.items()):
        the_auditor_opens_the_card(auditor, office, dossier_id, steps[-1][0])
        card = auditor.locator("table tbody tr")
        shown = [
            (row.locator("td").nth(1).inner_text(), row.locator("td").nth(2).inner_text())
            for row in card.all()
        ]
        for step in steps:
            assert step in shown, f"{step} not on the card of {dossier_id}: {shown}"
        for row in card.all():
            assert "WIB" in row.locator("td").nth(3).inner_text()
        expect(auditor.locator(".rincian")).to_contain_text(dossiers[dossier_id].name)
        if n == 0:
            assert_accessible(auditor)  # a delivered document's card
        screenshot(auditor, request, f"{12 + n}-auditor-kartu-{n + 1}")


def the_auditor_opens_the_card(page: Page, office: Office, dossier_id: str, last: str) -> None:
    """The card asked for by its number through the form; opened again while the reporting
    service has not yet caught up with the last step (another officer's session wrote it)."""
    page.get_by_role("navigation", name="Menu utama").get_by_role(
        "link", name="Kartu kendali"
    ).click()
    page.get_by_label("Nomor berkas").fill(dossier_id)
    page.get_by_role("button", name="Buka").click()
    expect(page.get_by_role("heading", name="Kartu kendali")).to_be_visible()
    step = page.locator("tbody").get_by_text(last, exact=True)
    for _ in range(30):
        try:
            expect(step).to_be_visible(timeout=1_000)
            return
        except AssertionError:
            page.reload()  # the reporting projection is behind: look again
    expect(step).to_be_visible()
