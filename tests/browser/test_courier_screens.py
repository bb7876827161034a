"""The courier's screens on a 360x740 phone, and the Kasubbag Umum's returns on the desk: a
letter registered, drafted and signed through the API (tokens from `jasa token`), then the
courier accepts its handover, delivers two documents (one with the keyboard alone) and
returns two, and the Kasubbag Umum
receives a return back, but not one they returned themselves as courier."""

from dataclasses import dataclass
from datetime import date
from random import Random
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from services.cli.demo.applicants import Applicant, RegistryRow, applicants, write_registry_csv
from shared.vocabulary import DocumentType, Role
from tests.browser.conftest import Office, assert_accessible, screenshot, sign_in
from tests.e2e.office_client import eventually

OFFICE_SETTINGS = {"JASA_OFFICES": "1471,1472"}
PHONE_WIDTH = 360
KASUBBAG = "nur.kasubbag"  # the paraf id of an officer enrolled without a NIP: the username


@dataclass
class SignedLetter:
    letter_id: str
    letter_number: str
    people: dict[str, Applicant]  # by dossier id, in the recap's order

    def dossier(self, n: int) -> str:
        return list(self.people)[n]

    def person(self, n: int) -> Applicant:
        return self.people[self.dossier(n)]


class Api:
    """The office's API with tokens printed by `jasa token`, as a script would use it."""

    def __init__(self, office: Office) -> None:
        self.office = office
        self.tokens: dict[tuple[Role, str], str] = {}

    def token(self, role: Role, officer_id: str) -> str:
        if (role, officer_id) not in self.tokens:
            printed = self.office.jasa(
                "token", role.value, "--officer-id", officer_id, "--name", officer_id.title()
            )
            assert printed.returncode == 0, printed.stderr
            self.tokens[role, officer_id] = printed.stdout.strip()
        return self.tokens[role, officer_id]

    def call(
        self, method: str, role: Role, officer_id: str, service: str, path: str, **kw: Any
    ) -> Any:
        headers = {"Authorization": f"Bearer {self.token(role, officer_id)}"}
        answer = httpx.request(
            method, self.office.url(service, path), headers=headers, timeout=30.0, **kw
        )
        assert answer.status_code < 300, f"{method} {path}: {answer.status_code} {answer.text}"
        return answer.json()


@pytest.fixture(scope="module")
def api(office: Office) -> Api:
    return Api(office)


@pytest.fixture(scope="module")
def letter(office: Office, api: Api, tmp_path_factory: pytest.TempPathFactory) -> SignedLetter:
    """Four Kartu Keluarga registered, recapped, the letter drafted and signed (API)."""
    people = [
        p for p in applicants(24, Random(26), date.today()) if p.document_type is DocumentType.KK
    ]
    people = people[:4]
    assert len(people) == 4
    rows = [RegistryRow(p.document_number, p.document_type, p.nik, p.name, True) for p in people]
    registry = write_registry_csv(tmp_path_factory.mktemp("registry") / "kk.csv", rows)
    loaded = office.jasa("registry", "load", str(registry))
    assert loaded.returncode == 0, loaded.stderr
    office.enrol("rudi.kurir", Role.COURIER, "Rudi Hartono")
    office.enrol(KASUBBAG, Role.KASUBBAG_UMUM, "Hj. Nurhayati")
    office.enrol("siti.fo", Role.FO, "Siti Rahma")
    office.enrol("kurir.lain", Role.COURIER, "Kurir Kantor Lain", office="1472")
    fo = (Role.FO, "fo.api")
    registered = {
        api.call("POST", *fo, "intake", "/dossiers", json=p.registration())["dossier_id"]: p
        for p in people
    }

    def all_listed() -> bool:
        listed = api.call("GET", *fo, "intake", "/dossiers", params={"status": "REGISTERED"})
        return set(registered) <= {item["dossier_id"] for item in listed["items"]}

    eventually(all_listed, "intake to list the four registrations")
    recap = api.call("POST", *fo, "intake", "/recaps", json={"document_type": "KK"})
    drafter = (Role.KASUBBAG_UMUM, "kasubbag.api")

    def awaiting() -> bool:
        listed = api.call(
            "GET", *drafter, "approval", "/recaps", params={"status": "AWAITING_LETTER"}
        )
        return any(item["recap_id"] == recap["recap_id"] for item in listed["items"])

    eventually(awaiting, "approval to list the recap")
    drafted = api.call(
        "POST", *drafter, "approval", "/letters", json={"recap_id": recap["recap_id"]}
    )
    signer = (Role.SEKRETARIS, "sekretaris.api")
    api.call("POST", *signer, "approval", f"/letters/{drafted['letter_id']}/sign")

    def ready() -> bool:
        listed = api.call(
            "GET", Role.COURIER, "kurir.api", "courier", "/handovers", params={"status": "READY"}
        )
        return any(
            h["letter_id"] == drafted["letter_id"] and len(h["documents"]) == 4
            for h in listed["items"]
        )

    eventually(ready, "the courier service to offer the signed letter")
    in_order = {d: registered[d] for d in recap["dossier_ids"]}
    return SignedLetter(drafted["letter_id"], drafted["letter_number"], in_order)


def fits_the_phone(phone: Page) -> None:
    width = phone.evaluate("document.scrollingElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"{phone.url} scrolls sideways: {width}px wide"


def test_the_courier_accepts_a_ready_handover_on_the_phone(
    office: Office, letter: SignedLetter, phone: Page, request: pytest.FixtureRequest
) -> None:
    sign_in(phone, office.url("courier"), "rudi.kurir")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Serah terima dokumen")
    card = phone.locator(".kartu", has_text=letter.letter_number)
    expect(card).to_contain_text("4 dokumen Kartu Keluarga")
    fits_the_phone(phone)
    assert_accessible(phone)
    screenshot(phone, request, "serah-terima")

    card.get_by_role("link", name="Lihat daftar dokumen").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text(f"Surat {letter.letter_number}")
    shown = phone.locator("main").inner_text()
    for person in letter.people.values():
        assert person.name in shown
        assert person.nik not in shown, "the manifest never holds a NIK"
        assert person.document_number not in shown, "the document number is masked"
        assert person.document_number[-4:] in shown
    fits_the_phone(phone)
    assert_accessible(phone)
    screenshot(phone, request, "manifes")

    phone.get_by_role("button", name="Terima serah terima").click()
    expect(phone).to_have_url(office.url("courier", "/antaran"))
    expect(phone.locator("#pesan")).to_contain_text("4 dokumen siap diantar")
    expect(phone.locator(".kartu")).to_have_count(4)
    expect(phone.locator(".kartu").first).to_contain_text("Dibawa kurir")
    fits_the_phone(phone)
    assert_accessible(phone)
    screenshot(phone, request, "antaran")
    phone.goto(office.url("courier", "/"))
    expect(phone.locator(".kartu", has_text=letter.letter_number)).to_have_count(0)


def test_the_courier_delivers_a_document_after_the_form_says_what_is_missing(
    office: Office, letter: SignedLetter, phone: Page, request: pytest.FixtureRequest
) -> None:
    sign_in(phone, office.url("courier"), "rudi.kurir")
    phone.goto(office.url("courier", "/antaran"))
    person = letter.person(0)
    phone.locator(".kartu", has_text=person.name).get_by_role("link", name="Catat hasil").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text(person.name)
    expect(phone.get_by_role("heading", name="Diserahkan")).to_be_visible()
    expect(phone.get_by_role("heading", name="Dikembalikan")).to_be_visible()
    fits_the_phone(phone)
    assert_accessible(phone)
    screenshot(phone, request, "dokumen")

    delivered = phone.locator("section", has=phone.get_by_role("heading", name="Diserahkan"))
    delivered.get_by_label("Keterangan").fill("Diterima di teras rumah")
    delivered.get_by_role("button", name="Simpan: diserahkan").click()
    expect(phone.locator("#recipient_name-galat")).to_have_text("Nama penerima wajib diisi.")
    expect(phone.locator("#relationship-galat")).to_contain_text("Pilih hubungan penerima")
    expect(delivered.get_by_label("Keterangan")).to_have_value("Diterima di teras rumah")
    fits_the_phone(phone)
    assert_accessible(phone)
    screenshot(phone, request, "dokumen-galat")

    delivered.get_by_label("Nama penerima").fill(person.family_member)
    delivered.get_by_label("Anggota keluarga").check()
    delivered.get_by_role("button", name="Simpan: diserahkan").click()
    expect(phone).to_have_url(office.url("courier", "/antaran"))
    expect(phone.locator("#pesan")).to_contain_text("diserahkan kepada anggota keluarga")
    expect(phone.locator(".kartu", has_text=person.name)).to_contain_text("Terkirim")

    phone.goto(office.url("courier", f"/antaran/{letter.dossier(0)}"))
    expect(phone.locator(".rincian")).to_contain_text(f"{person.family_member} (Anggota keluarga)")
    expect(phone.get_by_role("button", name="Simpan: diserahkan")).to_have_count(0)


def test_the_courier_returns_a_document_with_its_reason(
    office: Office, letter: SignedLetter, phone: Page, request: pytest.FixtureRequest
) -> None:
    sign_in(phone, office.url("courier"), "rudi.kurir")
    phone.goto(office.url("courier", f"/antaran/{letter.dossier(1)}"))
    returned = phone.locator("section", has=phone.get_by_role("heading", name="Dikembalikan"))
    returned.get_by_label("Lainnya", exact=True).check()
    returned.get_by_role("button", name="Simpan: dikembalikan").click()
    expect(phone.locator("#catatan-kembali-galat")).to_contain_text("keterangan wajib diisi")
    expect(returned.get_by_label("Lainnya", exact=True)).to_be_checked()
    assert_accessible(phone)

    returned.get_by_label("Alamat tidak ditemukan").check()
    returned.get_by_label("Keterangan").fill("Gang buntu, tidak ada nomor 12")
    returned.get_by_role("button", name="Simpan: dikembalikan").click()
    expect(phone).to_have_url(office.url("courier", "/antaran"))
    expect(phone.locator("#pesan")).to_contain_text("dikembalikan (alamat tidak ditemukan)")
    card = phone.locator(".kartu", has_text=letter.person(1).name)
    expect(card).to_contain_text("Dikembalikan kurir")
    fits_the_phone(phone)
    screenshot(phone, request, "antaran-setelah")


def test_the_courier_records_a_delivery_with_the_keyboard_alone(
    office: Office, letter: SignedLetter, phone: Page
) -> None:
    sign_in(phone, office.url("courier"), "rudi.kurir")
    phone.goto(office.url("courier", f"/antaran/{letter.dossier(3)}"))
    phone.get_by_label("Nama penerima").focus()
    phone.keyboard.type(letter.person(3).name)
    phone.keyboard.press("Tab")
    expect(phone.get_by_label("Pemilik dokumen sendiri")).to_be_focused()
    phone.keyboard.press("Space")
    phone.keyboard.press("Tab")
    phone.keyboard.type("Diterima langsung")
    phone.keyboard.press("Tab")
    expect(phone.get_by_role("button", name="Simpan: diserahkan")).to_be_focused()
    phone.keyboard.press("Enter")
    expect(phone.locator("#pesan")).to_contain_text("diserahkan kepada pemilik dokumen sendiri")


def test_the_kasubbag_receives_a_return_on_the_desk(
    office: Office, letter: SignedLetter, page: Page, request: pytest.FixtureRequest
) -> None:
    sign_in(page, office.url("courier"), KASUBBAG)
    page.get_by_role("link", name="Dokumen kembali").click()
    expect(page).to_have_url(office.url("courier", "/kembali"))
    row = page.locator(f"#kembali-{letter.dossier(1)}")
    expect(row).to_contain_text("Alamat tidak ditemukan: Gang buntu, tidak ada nomor 12")
    expect(row).to_contain_text("WIB")
    assert letter.person(1).document_number not in row.inner_text()
    assert_accessible(page)
    screenshot(page, request, "kembali")

    row.get_by_role("button", name="Terima kembali").click()
    expect(page.locator("#pesan")).to_contain_text("diterima kembali di kantor")
    expect(page.locator(f"#kembali-{letter.dossier(1)}")).to_have_count(0)


def test_a_return_appears_by_itself_and_its_returner_cannot_receive_it(
    office: Office, letter: SignedLetter, api: Api, page: Page, request: pytest.FixtureRequest
) -> None:
    sign_in(page, office.url("courier"), KASUBBAG)
    page.goto(office.url("courier", "/kembali"))
    row = page.locator(f"#kembali-{letter.dossier(2)}")
    expect(row).to_have_count(0)
    # The Kasubbag Umum carried this one out as the courier, and brings it back.
    body = {"reason": "RECIPIENT_NOT_HOME", "note": "Rumah kosong tiga kali"}
    path = f"/deliveries/{letter.dossier(2)}/returned"
    api.call("POST", Role.COURIER, KASUBBAG, "courier", path, json=body)
    expect(row).to_contain_text("Penerima tidak di rumah", timeout=20_000)  # no reload

    row.get_by_role("button", name="Terima kembali").click()
    refused = page.locator(f"#kembali-{letter.dossier(2)}-galat")
    expect(refused).to_contain_text("Anda sendiri yang mencatat pengembalian dokumen ini")
    expect(page.locator("#galat")).to_contain_text("pemisahan tugas")
    assert_accessible(page)
    screenshot(page, request, "kembali-ditolak")


def test_other_roles_are_refused_the_courier_pages(
    office: Office, letter: SignedLetter, page: Page
) -> None:
    sign_in(page, office.url("intake"), "siti.fo")
    answer = page.goto(office.url("courier", "/"))
    assert answer is not None and answer.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Akses ditolak")
    page.context.clear_cookies()
    sign_in(page, office.url("courier"), "rudi.kurir")
    answer = page.goto(office.url("courier", "/kembali"))
    assert answer is not None and answer.status == 403


def test_another_offices_courier_finds_neither_the_letter_nor_its_documents(
    office: Office, letter: SignedLetter, phone: Page
) -> None:
    sign_in(phone, office.url("courier"), "kurir.lain")
    for path in (f"/serah-terima/{letter.letter_id}", f"/antaran/{letter.dossier(2)}"):
        answer = phone.goto(office.url("courier", path))
        assert answer is not None and answer.status == 404
        expect(phone.locator("#galat")).to_contain_text("tidak ada di kantor Anda")
    answer = phone.request.post(
        office.url("courier", f"/serah-terima/{letter.letter_id}/terima"),
        form={"csrf_token": phone.locator('input[name="csrf_token"]').first.input_value()},
    )
    assert answer.status == 404
