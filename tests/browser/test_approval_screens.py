"""The Kasubbag Umum's and the Sekretaris's screens in a real browser, against the four
services run as real processes: a recap from the FO desk (through intake's API) gets its
cover letter drafted, appears on the Sekretaris's screen without a reload, is rejected with
a reason, drafted again and signed; and the refusals an officer can meet on the way."""

import re
from collections.abc import Iterator
from datetime import date
from itertools import count
from pathlib import Path
from random import Random

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from services.cli.demo.applicants import Applicant, applicants
from shared.vocabulary import DocumentType, Role
from tests.browser.conftest import (
    DESK,
    PASSWORD,
    Office,
    assert_accessible,
    screenshot,
    sign_in,
)
from tests.e2e.harness import JasaUp, free_port_base
from tests.e2e.office_client import FO, KASUBBAG, OfficeClient, eventually
from tests.e2e.procedure_steps import awaiting_letter, write_registry

OTHER_OFFICE = "1401"  # Kampar, served by the same installation
POLL = 30_000  # ms: the queues poll every 5 s; the machine may be busy
NUMBER = re.compile(r"nomor (\S+) dibuat")
seeds = count(26)


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Office]:
    """The shared fixture's office, serving a second office too (for the refusals)."""
    root = tmp_path_factory.mktemp("office")
    system = JasaUp(
        data_dir=root / "var",
        port_base=free_port_base(),
        output_dir=root,
        settings={"JASA_OFFICES": f"1471,{OTHER_OFFICE}"},
    )
    system.start(timeout=120)
    try:
        yield Office(system)
    finally:
        if system.process is not None and system.process.poll() is None:
            system.stop()
        system.children_left()


@pytest.fixture
def second_desk(browser: Browser) -> Iterator[Page]:
    """Another officer's browser at another desk (cookies of its own)."""
    context = browser.new_context(viewport=DESK, locale="id-ID")
    yield context.new_page()
    context.close()


def compile_recap(
    office: Office, kind: DocumentType, documents: int, folder: Path
) -> tuple[str, list[Applicant]]:
    """The FO desk registers `documents` applicants of one type and compiles their recap,
    through intake's API; the recap's id and the applicants."""
    rng = Random(next(seeds))
    people = [p for p in applicants(60, rng, date.today()) if p.document_type is kind][:documents]
    loaded = office.jasa(
        "registry", "load", str(write_registry(folder / "registry.csv", people, set()))
    )
    assert loaded.returncode == 0, loaded.stderr
    client = OfficeClient(office.system)
    try:
        ids = {
            client.post(FO, "intake", "/dossiers", p.registration(), expect=201)["dossier_id"]
            for p in people
        }

        def all_listed() -> bool:
            items = client.items(FO, "intake", "/dossiers", status="REGISTERED", document_type=kind)
            return ids <= {item["dossier_id"] for item in items}

        eventually(all_listed, f"intake to list the {kind} dossiers")
        recap = client.post(FO, "intake", "/recaps", {"document_type": kind}, expect=201)
        assert set(recap["dossier_ids"]) == ids
    finally:
        client.close()
    return recap["recap_id"], people


def menu(page: Page) -> Locator:
    return page.get_by_role("navigation", name="Menu utama")


def drafted_number(page: Page) -> str:
    message = page.get_by_role("status")
    expect(message).to_contain_text("dibuat")
    found = NUMBER.search(message.inner_text())
    assert found, message.inner_text()
    return found.group(1)


def test_a_letter_is_drafted_rejected_drafted_again_and_signed(
    office: Office,
    page: Page,
    second_desk: Page,
    request: pytest.FixtureRequest,
    tmp_path: Path,
) -> None:
    office.enrol("nurhayati", Role.KASUBBAG_UMUM, "Hj. Nurhayati")
    office.enrol("zulkarnain", Role.SEKRETARIS, "Drs. H. Zulkarnain")
    _, people = compile_recap(office, DocumentType.KTP_EL, 3, tmp_path)
    kasubbag, sekretaris = page, second_desk

    # The Kasubbag Umum's queue: the recap, with its type and count of documents.
    sign_in(kasubbag, office.url("approval"), "nurhayati")
    recap = kasubbag.get_by_role("row").filter(has_text="KTP Elektronik")
    expect(recap).to_be_visible(timeout=POLL)
    expect(recap.get_by_role("cell").nth(1)).to_have_text("3")
    expect(recap).to_contain_text("Baru")
    assert_accessible(kasubbag)
    screenshot(kasubbag, request, "kasubbag-rekapan-menunggu")

    # The Sekretaris waits at her desk; the page will not be reloaded.
    sign_in(sekretaris, office.url("approval"), "zulkarnain")
    expect(sekretaris.get_by_text("Tidak ada surat yang menunggu tanda tangan")).to_be_visible()
    sekretaris.evaluate("window.belumDimuatUlang = true")
    poll = str(sekretaris.locator("#surat-menunggu").get_attribute("hx-get"))
    unchanged = sekretaris.request.get(office.url("approval", poll))
    assert unchanged.status == 204, "a poll of an unchanged queue has nothing to swap"

    recap.get_by_role("button", name=re.compile("Buat surat pengantar")).click()
    first = drafted_number(kasubbag)
    expect(kasubbag.get_by_role("status")).to_contain_text("rekapan KTP Elektronik (3 dokumen)")
    expect(kasubbag.get_by_text("Tidak ada rekapan yang menunggu surat pengantar")).to_be_visible()

    # ... and the letter appears on the Sekretaris's screen by itself, with its documents.
    letter = sekretaris.get_by_role("article").filter(has_text=first)
    expect(letter).to_be_visible(timeout=POLL)
    assert sekretaris.evaluate("window.belumDimuatUlang") is True, "the page was reloaded"
    expect(letter).to_contain_text("Dibuat oleh Hj. Nurhayati")
    rows = letter.get_by_role("row")
    expect(rows).to_have_count(1 + len(people))
    shown = sekretaris.content()
    for person in people:
        expect(letter).to_contain_text(person.name)
        assert person.nik not in shown and person.document_number not in shown
        assert person.document_number[-4:] in letter.inner_text()
    assert_accessible(sekretaris)
    screenshot(sekretaris, request, "sekretaris-surat-menunggu")

    # Rejecting needs a reason: an empty one is told inline, in Indonesian.
    letter.get_by_role("link", name=re.compile("Tolak dengan alasan")).click()
    expect(sekretaris.get_by_role("heading", level=1)).to_have_text(f"Surat pengantar {first}")
    sekretaris.get_by_role("button", name="Tolak surat").click()
    reason_box = sekretaris.get_by_label("Alasan penolakan")
    expect(sekretaris.get_by_role("alert")).to_contain_text("Surat belum ditolak")
    expect(reason_box).to_have_attribute("aria-invalid", "true")
    expect(reason_box).to_have_accessible_description(re.compile("alasan wajib diisi"))
    expect(reason_box).to_be_focused()
    assert_accessible(sekretaris)
    screenshot(sekretaris, request, "sekretaris-alasan-kosong")
    reason = "Jumlah berkas di surat tidak sama dengan daftar rekapan."
    sekretaris.keyboard.type(reason)  # with the keyboard alone, from the focused box
    sekretaris.keyboard.press("Tab")
    expect(sekretaris.get_by_role("button", name="Tolak surat")).to_be_focused()
    sekretaris.keyboard.press("Enter")
    expect(sekretaris.get_by_role("status")).to_contain_text(f"{first} ditolak dengan alasan")
    expect(sekretaris.get_by_role("article").filter(has_text=first)).to_have_count(0)

    # The recap comes back to the Kasubbag's queue by itself, saying why.
    again = kasubbag.get_by_role("row").filter(has_text=reason)
    expect(again).to_be_visible(timeout=POLL)
    menu(kasubbag).get_by_role("link", name="Daftar surat").click()
    kasubbag.get_by_role("navigation", name="Saring menurut status").get_by_role(
        "link", name="Surat ditolak"
    ).click()
    rejected = kasubbag.get_by_role("row").filter(has_text=first)
    expect(rejected).to_contain_text(f"Alasan: {reason}")
    expect(rejected).to_contain_text("Ditolak Drs. H. Zulkarnain")
    assert_accessible(kasubbag)
    screenshot(kasubbag, request, "kasubbag-surat-ditolak")
    rejected.get_by_role("button", name=re.compile("Buat surat lagi")).click()
    second = drafted_number(kasubbag)
    assert second != first

    # The Sekretaris signs the new letter, and finds it among what she signed.
    letter = sekretaris.get_by_role("article").filter(has_text=second)
    expect(letter).to_be_visible(timeout=POLL)
    letter.get_by_role("button", name=re.compile("Tanda tangani")).click()
    expect(sekretaris.get_by_role("status")).to_contain_text(f"{second} ditandatangani")
    menu(sekretaris).get_by_role("link", name="Surat ditandatangani").click()
    signed = sekretaris.get_by_role("row").filter(has_text=second)
    expect(signed).to_contain_text("Ditandatangani Drs. H. Zulkarnain")
    expect(menu(sekretaris).get_by_role("link", name="Surat ditandatangani")).to_have_attribute(
        "aria-current", "page"
    )
    assert_accessible(sekretaris)
    screenshot(sekretaris, request, "sekretaris-surat-ditandatangani")

    # The Kasubbag prints it: the same Surat Pengantar as the API's, from her session.
    kasubbag.goto(office.url("approval", "/surat?status=SIGNED"))
    row = kasubbag.get_by_role("row").filter(has_text=second)
    row.get_by_role("link", name=second, exact=True).click()
    expect(kasubbag.get_by_role("definition").first).to_have_text("Ditandatangani")
    assert_accessible(kasubbag)
    screenshot(kasubbag, request, "kasubbag-surat")
    pdf_link = kasubbag.get_by_role("link", name="Cetak surat pengantar (PDF)")
    printed = kasubbag.request.get(office.url("approval", str(pdf_link.get_attribute("href"))))
    assert printed.status == 200
    assert printed.headers["content-type"] == "application/pdf"
    assert printed.body().startswith(b"%PDF")


def test_the_officer_who_drafted_a_letter_cannot_sign_it(
    office: Office, page: Page, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    office.enrol("rina", Role.KASUBBAG_UMUM, "Rina Wati")
    recap_id, _ = compile_recap(office, DocumentType.KK, 2, tmp_path)
    sign_in(page, office.url("approval"), "rina")
    recap = page.get_by_role("row").filter(has_text="Kartu Keluarga")
    expect(recap).to_be_visible(timeout=POLL)
    recap.get_by_role("button", name=re.compile("Buat surat pengantar")).click()
    number = drafted_number(page)

    # The same button sent again (a double click) drafts no second letter.
    again = post_form(page, office.url("approval", "/surat"), recap_id=recap_id)
    assert again == 303
    page.goto(office.url("approval", "/"))
    expect(page.get_by_role("status")).to_contain_text(
        f"{number} untuk rekapan ini sudah Anda buat"
    )
    client = OfficeClient(office.system)
    try:
        letters = client.items(KASUBBAG, "approval", "/letters")
        assert [x["letter_number"] for x in letters if x["recap_id"] == recap_id] == [number]
    finally:
        client.close()

    # Rina becomes a Sekretaris, and finds her own letter in the queue.
    moved = office.jasa("officer", "role", "rina", "SEKRETARIS")
    assert moved.returncode == 0, moved.stderr
    sign_in(page, office.url("approval"), "rina")
    letter = page.get_by_role("article").filter(has_text=number)
    expect(letter).to_be_visible(timeout=POLL)
    with page.expect_response(re.compile(r"/tanda-tangan$")) as answer:
        letter.get_by_role("button", name=re.compile("Tanda tangani")).click()
    assert answer.value.status == 409
    expect(page.get_by_role("alert")).to_contain_text(f"Anda sendiri yang membuat surat {number}")
    expect(page.get_by_role("alert")).to_contain_text("pemisahan tugas")
    assert_accessible(page)
    screenshot(page, request, "sekretaris-pembuat-tidak-boleh-menandatangani")
    page.goto(office.url("approval", "/surat?status=AWAITING_SIGNATURE"))
    expect(page.get_by_role("row").filter(has_text=number)).to_contain_text("Menunggu tanda tangan")


def test_an_fo_opening_the_sekretaris_page_is_refused(
    office: Office, page: Page, request: pytest.FixtureRequest
) -> None:
    office.enrol("siti.fo", Role.FO, "Siti Rahma")
    sign_in(page, office.url("intake"), "siti.fo")
    for path in ("/", "/surat", "/bagian/surat-menunggu"):
        response = page.goto(office.url("approval", path))
        assert response is not None and response.status == 403
        expect(page.get_by_role("heading", level=1)).to_have_text("Akses ditolak")
    expect(page.get_by_text("Anda masuk sebagai Petugas Front Office")).to_be_visible()
    assert_accessible(page)
    screenshot(page, request, "fo-ditolak")


def test_a_letter_is_refused_to_another_role_and_to_another_office(
    office: Office, page: Page, second_desk: Page, tmp_path: Path
) -> None:
    recap_id, _ = compile_recap(office, DocumentType.KIA, 1, tmp_path)
    client = OfficeClient(office.system)
    try:
        awaiting_letter(client, recap_id)
        letter = client.post(KASUBBAG, "approval", "/letters", {"recap_id": recap_id}, expect=201)
        path = f"/surat/{letter['letter_id']}"

        # A Kasubbag Umum reads the letter, but signing it is the Sekretaris's.
        office.enrol("hendra", Role.KASUBBAG_UMUM)
        sign_in(page, office.url("approval"), "hendra")
        page.goto(office.url("approval", path))
        expect(page.get_by_role("heading", level=1)).to_have_text(
            f"Surat pengantar {letter['letter_number']}"
        )
        expect(page.get_by_role("button", name="Tanda tangani surat")).to_have_count(0)
        assert post_form(page, office.url("approval", path + "/tanda-tangan")) == 403

        # A Sekretaris of another office of the same installation: there is no such letter.
        enrolled = office.jasa(
            "officer", "add", "yusuf", "--role", "SEKRETARIS", "--name", "Yusuf Kampar",
            "--office", OTHER_OFFICE, "--password-stdin", input=PASSWORD,
        )  # fmt: skip
        assert enrolled.returncode == 0, enrolled.stderr
        sign_in(second_desk, office.url("approval"), "yusuf")
        expect(
            second_desk.get_by_text("Tidak ada surat yang menunggu tanda tangan")
        ).to_be_visible()
        for shown in (path, path + "/pdf"):
            response = second_desk.goto(office.url("approval", shown))
            assert response is not None and response.status == 404
            expect(second_desk.get_by_role("heading", level=1)).to_have_text("Tidak ditemukan")
        assert post_form(second_desk, office.url("approval", path + "/tanda-tangan")) == 404
        unchanged = client.get(KASUBBAG, "approval", f"/letters/{letter['letter_id']}")
        assert unchanged["status"] == "AWAITING_SIGNATURE"
    finally:
        client.close()


def post_form(page: Page, url: str, **fields: str) -> int:
    """A POST with the page's own session and CSRF token, as a crafted form (or a second
    click) would send it; the answer's status, redirects not followed."""
    token = page.locator('input[name="csrf_token"]').first.get_attribute("value")
    form = {"csrf_token": token or "", **fields}
    return page.request.post(url, form=form, max_redirects=0).status
