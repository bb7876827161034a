"""The FO desk's screens in a real browser (Debian's Chromium) against the four services as
real processes: registration through the form (with the registry's answer, inline errors,
once however often it is clicked, by keyboard alone), the dossiers and their filters, a
dossier's control card with flag and resolve, recap lists and their PDF, and the refusals
(another role, another office)."""

import uuid
from collections.abc import Iterator
from datetime import datetime
from random import Random

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from services.cli.demo.applicants import Applicant, RegistryRow, applicants, write_registry_csv
from shared.vocabulary import DOCUMENT_TYPE_LABELS, DocumentType, Role
from shared.wib import WIB
from tests.browser.conftest import Office, assert_accessible, screenshot, sign_in

# A second office served by the same installation: its FO must not reach this one's files.
OFFICE_SETTINGS = {"JASA_OFFICES": "1471,1472"}
UNSIGNED = 1  # the registry holds people[1]'s document as not yet signed


@pytest.fixture(scope="module")
def people(office: Office, tmp_path_factory: pytest.TempPathFactory) -> list[Applicant]:
    """Today's applicants, every one's document in the office's registry."""
    found = applicants(24, Random(2612), datetime.now(WIB).date())
    rows = [
        RegistryRow(p.document_number, p.document_type, p.nik, p.name, n != UNSIGNED)
        for n, p in enumerate(found)
    ]
    path = write_registry_csv(tmp_path_factory.mktemp("registry") / "registry.csv", rows)
    loaded = office.jasa("registry", "load", str(path))
    assert loaded.returncode == 0, loaded.stderr
    return found


@pytest.fixture(scope="module")
def api(office: Office) -> Iterator[httpx.Client]:
    """The intake API as a system uses it, with an FO's bearer token."""
    made = office.jasa("token", "FO", "--officer-id", "API-1471", "--name", "Sistem Uji")
    assert made.returncode == 0, made.stderr
    headers = {"Authorization": f"Bearer {made.stdout.strip()}"}
    with httpx.Client(base_url=office.url("intake"), headers=headers, timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def fo(office: Office) -> str:
    return office.enrol("siti.fo", Role.FO, "Siti Rahmawati")


def fill_registration(page: Page, person: Applicant) -> None:
    page.get_by_label("NIK").fill(person.nik)
    page.get_by_label("Nama", exact=True).fill(person.name)
    page.get_by_label("Alamat pengiriman").fill(person.address)
    page.get_by_label("Nomor HP").fill(person.phone)
    page.get_by_label("Jenis dokumen").select_option(person.document_type.value)
    page.get_by_label("Nomor dokumen").fill(person.document_number)


def registered_id(page: Page) -> uuid.UUID:
    """The dossier the result panel shows, by its link."""
    href = page.get_by_role("link", name="Buka berkas ini").get_attribute("href") or ""
    return uuid.UUID(href.rsplit("/", 1)[1])


def dossiers_named(api: httpx.Client, person: Applicant) -> list[dict[str, str]]:
    answer = api.get("/dossiers", params={"document_type": person.document_type.value})
    assert answer.status_code == 200, answer.text
    return [d for d in answer.json()["items"] if d["name"] == person.name]


def test_an_fo_registers_a_document_through_the_form_and_the_api_sees_it(
    office: Office,
    people: list[Applicant],
    fo: str,
    api: httpx.Client,
    page: Page,
    request: pytest.FixtureRequest,
) -> None:
    person = people[0]
    sign_in(page, office.url("intake"), fo)
    expect(page.get_by_role("heading", level=1)).to_have_text("Pendaftaran dokumen")
    assert_accessible(page)
    screenshot(page, request, "registration-form")
    fill_registration(page, person)
    page.get_by_role("button", name="Daftarkan").click()
    result = page.get_by_role("status").filter(has_text="Berkas terdaftar")
    expect(result).to_contain_text("Terdaftar")
    expect(result).to_contain_text(person.name)
    expect(result).to_contain_text(person.document_number[-4:])
    expect(result).not_to_contain_text(person.document_number)  # masked, as the API masks it
    expect(page.get_by_label("NIK")).to_have_value("")  # a fresh form for the next citizen
    expect(page.locator("#daftar-berkas")).to_contain_text(person.name)  # today's list
    dossier_id = registered_id(page)
    seen = api.get(f"/dossiers/{dossier_id}")
    assert seen.status_code == 200, seen.text
    assert seen.json()["status"] == "REGISTERED"
    assert seen.json()["registered_by"]["name"] == "Siti Rahmawati"  # the paraf of the session
    assert_accessible(page)
    screenshot(page, request, "registration-done")


def test_an_unsigned_document_is_registered_flagged_and_said_plainly(
    office: Office, people: list[Applicant], fo: str, api: httpx.Client, page: Page
) -> None:
    person = people[UNSIGNED]
    sign_in(page, office.url("intake"), fo)
    fill_registration(page, person)
    page.get_by_role("button", name="Daftarkan").click()
    result = page.get_by_role("status").filter(has_text="Berkas terdaftar")
    expect(result).to_contain_text("DITAHAN")
    expect(result).to_contain_text("Dokumen belum ditandatangani")
    (seen,) = dossiers_named(api, person)
    assert (seen["status"], seen["flag_reason"]) == ("FLAGGED", "UNSIGNED_DOCUMENT")


def test_a_bad_nik_is_told_beside_it_and_what_was_typed_is_kept(
    office: Office, people: list[Applicant], fo: str, page: Page, request: pytest.FixtureRequest
) -> None:
    person = people[2]
    sign_in(page, office.url("intake"), fo)
    fill_registration(page, person)
    page.get_by_label("NIK").fill("1471" + "0" * 8)
    page.get_by_role("button", name="Daftarkan").click()
    nik = page.get_by_label("NIK")
    expect(nik).to_have_attribute("aria-invalid", "true")
    expect(nik).to_have_accessible_description(
        "16 angka, sesuai KTP-el atau Kartu Keluarga NIK harus tepat 16 angka."
    )
    expect(nik).to_be_focused()
    expect(page.get_by_role("alert")).to_contain_text("Periksa isian yang ditandai")
    expect(page.get_by_label("Nama", exact=True)).to_have_value(person.name)
    expect(page.get_by_label("Alamat pengiriman")).to_have_value(person.address)
    expect(page.get_by_label("Nomor HP")).to_have_value(person.phone)
    expect(page.get_by_label("Jenis dokumen")).to_have_value(person.document_type.value)
    expect(page.get_by_label("Nomor dokumen")).to_have_value(person.document_number)
    assert_accessible(page)
    screenshot(page, request, "registration-bad-nik")


def test_a_document_not_in_the_registry_is_refused_beside_its_number(
    office: Office, people: list[Applicant], fo: str, page: Page
) -> None:
    sign_in(page, office.url("intake"), fo)
    fill_registration(page, people[3])
    page.get_by_label("Nomor dokumen").fill("TIDAK-ADA-0001")
    page.get_by_role("button", name="Daftarkan").click()
    number = page.get_by_label("Nomor dokumen")
    expect(number).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#f-document_number-galat")).to_have_text(
        "Nomor dokumen ini tidak ada di database kependudukan. Periksa nomornya."
    )
    expect(page.get_by_label("NIK")).to_have_value(people[3].nik)


def test_clicking_twice_registers_once(
    office: Office, people: list[Applicant], fo: str, api: httpx.Client, page: Page
) -> None:
    person = people[4]
    sign_in(page, office.url("intake"), fo)
    fill_registration(page, person)
    page.get_by_role("button", name="Daftarkan").dblclick()
    expect(page.get_by_role("status").filter(has_text="Berkas terdaftar")).to_be_visible()
    expect(page.locator("#galat")).to_be_empty()
    assert len(dossiers_named(api, person)) == 1


def test_the_same_form_sent_twice_gives_the_same_dossier(
    office: Office, people: list[Applicant], fo: str, api: httpx.Client, page: Page
) -> None:
    """As a reload or a retry after a lost answer sends it: the form's key is honoured."""
    person = people[5]
    sign_in(page, office.url("intake"), fo)
    form = {
        **person.registration(),
        "csrf_token": page.locator('form[action="/"] input[name="csrf_token"]').input_value(),
        "form_key": page.locator('input[name="form_key"]').input_value(),
    }
    first = page.request.post(office.url("intake", "/"), form=form)
    again = page.request.post(office.url("intake", "/"), form=form)
    assert first.ok and again.ok, (first.status, again.status)
    assert "terdaftar=" in first.url and first.url == again.url
    assert len(dossiers_named(api, person)) == 1


def test_an_fo_registers_with_the_keyboard_alone(
    office: Office, people: list[Applicant], fo: str, api: httpx.Client, page: Page
) -> None:
    person = people[6]
    sign_in(page, office.url("intake"), fo)
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Langsung ke isi halaman")).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.get_by_label("NIK")).to_be_focused()
    for value in (person.nik, person.name, person.address, person.phone):
        page.keyboard.type(value)
        page.keyboard.press("Tab")
    expect(page.get_by_label("Jenis dokumen")).to_be_focused()
    steps = list(DOCUMENT_TYPE_LABELS).index(person.document_type) + 1
    for _ in range(steps):
        page.keyboard.press("ArrowDown")
    expect(page.get_by_label("Jenis dokumen")).to_have_value(person.document_type.value)
    page.keyboard.press("Tab")
    page.keyboard.type(person.document_number)
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text="Berkas terdaftar")).to_contain_text(
        person.name
    )
    expect(page.get_by_label("NIK")).to_be_focused()  # ready for the next citizen
    assert len(dossiers_named(api, person)) == 1


def test_an_fo_flags_a_dossier_and_another_fo_resolves_it(
    office: Office,
    people: list[Applicant],
    fo: str,
    api: httpx.Client,
    page: Page,
    browser_page_of_second_fo: Page,
    request: pytest.FixtureRequest,
) -> None:
    person = people[7]
    created = api.post("/dossiers", json=person.registration())
    assert created.status_code == 201, created.text
    dossier_id = created.json()["dossier_id"]
    sign_in(page, office.url("intake"), fo)
    page.goto(office.url("intake", "/berkas"))
    page.get_by_role("link", name=person.name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rincian berkas")
    expect(page.get_by_text(person.nik)).to_have_count(0)  # the NIK is masked
    expect(page.get_by_text(person.nik[:6] + "******" + person.nik[-4:])).to_be_visible()
    card = page.get_by_role("table").filter(has_text="Kegiatan")
    expect(card).to_contain_text("Didaftarkan")
    expect(card).to_contain_text("Sistem Uji")
    assert_accessible(page)
    screenshot(page, request, "dossier")

    page.get_by_role("button", name="Tahan berkas").click()  # no reason chosen
    reason = page.get_by_label("Alasan")
    expect(reason).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#f-reason-galat")).to_have_text("Pilih alasan dari daftar.")
    page.get_by_label("Catatan", exact=True).fill("Alamat salah ketik")
    reason.select_option("DATA_ENTRY_ERROR")
    page.get_by_role("button", name="Tahan berkas").click()
    expect(page.get_by_role("status")).to_contain_text("Berkas ditahan.")
    expect(page.locator(".rincian")).to_contain_text("Ditahan")
    expect(card).to_contain_text("Kesalahan entri data: Alamat salah ketik")

    page.get_by_role("button", name="Selesaikan tanda tahan").click()  # one's own flag
    expect(page.get_by_role("alert")).to_contain_text("Anda sendiri yang memasang")
    assert_accessible(page)
    screenshot(page, request, "dossier-own-flag-refused")

    other = browser_page_of_second_fo
    other.goto(office.url("intake", f"/berkas/{dossier_id}"))
    other.get_by_label("Catatan penyelesaian").fill("Alamat sudah dibetulkan")
    other.get_by_role("button", name="Selesaikan tanda tahan").click()
    expect(other.get_by_role("status")).to_contain_text("Tanda tahan diselesaikan")
    expect(other.locator(".rincian")).to_contain_text("Terdaftar")
    expect(other.get_by_role("table")).to_contain_text("Dedi Kurniawan")
    assert api.get(f"/dossiers/{dossier_id}").json()["status"] == "REGISTERED"


@pytest.fixture
def browser_page_of_second_fo(office: Office, browser: Browser) -> Iterator[Page]:
    """Another FO desk, signed in in a browser of its own."""
    office.officers.get("dedi.fo") or office.enrol("dedi.fo", Role.FO, "Dedi Kurniawan")
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="id-ID")
    other = context.new_page()
    sign_in(other, office.url("intake"), "dedi.fo")
    yield other
    context.close()


def test_an_fo_compiles_a_recap_and_prints_it(
    office: Office,
    people: list[Applicant],
    fo: str,
    api: httpx.Client,
    page: Page,
    request: pytest.FixtureRequest,
) -> None:
    kind = DocumentType.AKTA
    for person in [p for p in people[8:] if p.document_type is kind][:2]:
        assert api.post("/dossiers", json=person.registration()).status_code == 201
    sign_in(page, office.url("intake"), fo)
    page.get_by_role("navigation", name="Menu utama").get_by_role(
        "link", name="Daftar rekapan"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Daftar rekapan")
    label = DOCUMENT_TYPE_LABELS[kind]
    button = page.get_by_role("button", name=f"Rekap {label}")
    expect(button).to_be_enabled()
    assert_accessible(page)
    screenshot(page, request, "recaps")
    button.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Daftar rekapan {label}")
    expect(page.get_by_role("status")).to_contain_text("Daftar rekapan dibuat.")
    assert_accessible(page)
    screenshot(page, request, "recap")
    href = page.get_by_role("link", name="Cetak daftar rekapan (PDF)").get_attribute("href")
    printed = page.request.get(office.url("intake", href or ""))
    assert printed.status == 200
    assert printed.headers["content-type"] == "application/pdf"
    assert printed.body().startswith(b"%PDF-")
    page.goto(office.url("intake", "/rekapan"))
    expect(page.get_by_role("button", name=f"Rekap {label} (0 menunggu)")).to_be_disabled()


def test_the_list_filters_by_status_and_type_and_keeps_them_in_its_address(
    office: Office,
    people: list[Applicant],
    fo: str,
    api: httpx.Client,
    page: Page,
    request: pytest.FixtureRequest,
) -> None:
    unsigned = people[UNSIGNED]
    if not dossiers_named(api, unsigned):
        assert api.post("/dossiers", json=unsigned.registration()).status_code == 201
    sign_in(page, office.url("intake"), fo)
    page.goto(office.url("intake", "/berkas"))
    page.get_by_label("Status").select_option("FLAGGED")
    page.get_by_label("Jenis dokumen").select_option(unsigned.document_type.value)
    page.get_by_role("button", name="Terapkan").click()
    expect(page).to_have_url(
        office.url(
            "intake",
            f"/berkas?cari=&status=FLAGGED&document_type={unsigned.document_type.value}"
            "&waktu=hari-ini",
        )
    )
    rows = page.locator("#daftar-berkas tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text(unsigned.name)
    assert_accessible(page)
    screenshot(page, request, "dossiers-filtered")
    page.goto(page.url)  # a bookmark opens the same list
    expect(page.get_by_label("Status")).to_have_value("FLAGGED")
    expect(rows).to_have_count(1)
    page.get_by_label("Status").select_option("DELIVERED")
    page.get_by_role("button", name="Terapkan").click()
    expect(page.get_by_text("Tidak ada berkas yang cocok.")).to_be_visible()


def test_the_list_finds_a_dossier_by_its_nik_or_words_of_its_name(
    office: Office,
    people: list[Applicant],
    fo: str,
    api: httpx.Client,
    page: Page,
    request: pytest.FixtureRequest,
) -> None:
    person = people[0]
    if not dossiers_named(api, person):
        assert api.post("/dossiers", json=person.registration()).status_code == 201
    sign_in(page, office.url("intake"), fo)
    page.goto(office.url("intake", "/berkas"))
    page.get_by_label("Cari: NIK, nomor dokumen atau nama").fill(person.nik)
    page.keyboard.press("Enter")
    rows = page.locator("#daftar-berkas tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text(person.name)
    assert person.nik not in rows.first.inner_text(), "the list shows the NIK masked"
    assert_accessible(page)
    screenshot(page, request, "dossiers-found")
    backwards = " ".join(reversed(person.name.lower().split()))
    page.get_by_label("Cari: NIK, nomor dokumen atau nama").fill(backwards)
    page.keyboard.press("Enter")
    expect(rows.filter(has_text=person.name)).to_have_count(1)


def test_the_list_shows_a_registration_made_elsewhere_without_a_reload(
    office: Office, people: list[Applicant], fo: str, api: httpx.Client, page: Page
) -> None:
    person = people[-1]
    sign_in(page, office.url("intake"), fo)
    page.goto(office.url("intake", "/berkas"))
    expect(page.get_by_text(person.name)).to_have_count(0)
    assert api.post("/dossiers", json=person.registration()).status_code == 201
    expect(page.locator("#daftar-berkas")).to_contain_text(person.name, timeout=15_000)


def test_a_kasubbag_umum_opening_the_fo_desk_gets_the_403_page(
    office: Office, page: Page, request: pytest.FixtureRequest
) -> None:
    office.enrol("kasubbag", Role.KASUBBAG_UMUM)
    sign_in(page, office.url("approval"), "kasubbag")
    for path in ("/", "/berkas", "/rekapan"):
        response = page.goto(office.url("intake", path))
        assert response is not None and response.status == 403
        expect(page.get_by_role("heading", level=1)).to_have_text("Akses ditolak")
    assert_accessible(page)
    screenshot(page, request, "forbidden")


def test_an_fo_of_another_office_cannot_open_this_offices_dossier(
    office: Office,
    people: list[Applicant],
    api: httpx.Client,
    page: Page,
    request: pytest.FixtureRequest,
) -> None:
    person = people[9]
    created = api.post("/dossiers", json=person.registration())
    assert created.status_code == 201, created.text
    dossier_id = created.json()["dossier_id"]
    office.enrol("fo.dumai", Role.FO, "Rina Dumai", office="1472")
    sign_in(page, office.url("intake"), "fo.dumai")
    response = page.goto(office.url("intake", f"/berkas/{dossier_id}"))
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Tidak ditemukan")
    expect(page.get_by_text(person.name)).to_have_count(0)
    page.goto(office.url("intake", "/berkas?waktu=semua"))
    expect(page.get_by_text(person.name)).to_have_count(0)
    flagged = page.request.post(
        office.url("intake", f"/berkas/{dossier_id}/tahan"),
        form={
            "csrf_token": page.locator('input[name="csrf_token"]').first.input_value(),
            "reason": "OTHER",
        },
    )
    assert flagged.status == 404
    assert api.get(f"/dossiers/{dossier_id}").json()["status"] == "REGISTERED"
    screenshot(page, request, "another-office")
