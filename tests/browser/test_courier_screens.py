"""The courier's screens on a 360x740 phone, and the Kasubbag Umum's returns on the desk: a
letter of six documents registered, drafted and signed through the API (tokens from `jasa
token`), then the courier accepts its handover and works each document at the citizen's
door: out for delivery (the citizen's code read from the file notifier's messages, as the
citizen would), a failed attempt, a wrong code then the right one, a locked code then a
photo, two failed attempts then only the return, a delivery with the keyboard alone; and
the Kasubbag Umum receives a return back, but not one they returned themselves as courier."""

import io
import json
import os
import re
from dataclasses import dataclass
from datetime import date
from hashlib import sha256
from random import Random
from typing import Any

import httpx
import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from services.cli.demo.applicants import Applicant, RegistryRow, applicants, write_registry_csv
from shared.vocabulary import DocumentType, Role
from tests.browser.conftest import Office, assert_accessible, screenshot, sign_in
from tests.e2e.office_client import eventually

OFFICE_SETTINGS = {"JASA_OFFICES": "1471,1472"}
PHONE_WIDTH = 360
KASUBBAG = "nur.kasubbag"  # the paraf id of an officer enrolled without a NIP: the username
DOCUMENTS = 6


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
    """Six Kartu Keluarga registered, recapped, the letter drafted and signed (API)."""
    people = [
        p for p in applicants(40, Random(26), date.today()) if p.document_type is DocumentType.KK
    ]
    people = people[:DOCUMENTS]
    assert len(people) == DOCUMENTS
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
            h["letter_id"] == drafted["letter_id"] and len(h["documents"]) == DOCUMENTS
            for h in listed["items"]
        )

    eventually(ready, "the courier service to offer the signed letter")
    in_order = {d: registered[d] for d in recap["dossier_ids"]}
    return SignedLetter(drafted["letter_id"], drafted["letter_number"], in_order)


def fits_the_phone(phone: Page) -> None:
    width = phone.evaluate("document.scrollingElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"{phone.url} scrolls sideways: {width}px wide"


def codes_sent(office: Office, dossier_id: str) -> list[str]:
    """The receipt codes the citizen was sent for a document, oldest first: the messages the
    file notifier wrote (`notifications.jsonl` in the data dir), as `jasa demo` reads them."""
    path = office.system.data_dir / "notifications.jsonl"
    if not path.exists():
        return []
    messages = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return [
        m["params"]["receipt_code"]
        for m in messages
        if m["dossier_id"] == dossier_id and m["kind"] == "out_for_delivery"
    ]


def code_sent(office: Office, dossier_id: str, nth: int = 1) -> str:
    """The `nth` code sent for the document, once its message is out."""
    eventually(lambda: len(codes_sent(office, dossier_id)) >= nth, f"receipt code {nth}")
    return codes_sent(office, dossier_id)[nth - 1]


def another_code(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def png(width: int, height: int, noise: bool = False) -> bytes:
    """A real PNG made with Pillow: a plain picture, or noise that does not compress."""
    if noise:
        image = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
    else:
        image = Image.new("RGB", (width, height), (40, 90, 160))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def section(phone: Page, heading: str) -> Any:
    return phone.locator("section", has=phone.get_by_role("heading", name=heading, exact=True))


def test_the_courier_accepts_a_ready_handover_on_the_phone(
    office: Office, letter: SignedLetter, phone: Page, request: pytest.FixtureRequest
) -> None:
    sign_in(phone, office.url("courier"), "rudi.kurir")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Serah terima dokumen")
    card = phone.locator(".kartu", has_text=letter.letter_number)
    expect(card).to_contain_text(f"{DOCUMENTS} dokumen Kartu Keluarga")
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
    expect(phone.locator("#pesan")).to_contain_text(f"{DOCUMENTS} dokumen siap diantar")
    expect(phone.locator(".kartu")).to_have_count(DOCUMENTS)
    expect(phone.locator(".kartu").first).to_contain_text("Dibawa kurir")
    fits_the_phone(phone)
    assert_accessible(phone)
    screenshot(phone, request, "antaran")
    phone.goto(office.url("courier", "/"))
    expect(phone.locator(".kartu", has_text=letter.letter_number)).to_have_count(0)


def test_the_courier_sets_out_fails_once_and_delivers_with_the_citizens_code(
    office: Office, letter: SignedLetter, phone: Page, request: pytest.FixtureRequest
) -> None:
    sign_in(phone, office.url("courier"), "rudi.kurir")
    phone.goto(office.url("courier", "/antaran"))
    person, dossier = letter.person(0), letter.dossier(0)
    phone.locator(".kartu", has_text=person.name).get_by_role("link", name="Catat hasil").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text(person.name)
    for heading in ("Berangkat mengantar", "Diserahkan", "Percobaan gagal", "Dikembalikan"):
        expect(phone.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    expect(section(phone, "Diserahkan")).to_contain_text("Kode terima belum dikirim")
    expect(phone.get_by_label("Kode terima dari warga (6 angka)")).to_have_count(0)
    fits_the_phone(phone)
    assert_accessible(phone)
    screenshot(phone, request, "dokumen")

    phone.get_by_role("button", name="Berangkat mengantar").click()
    expect(phone.locator("#pesan")).to_contain_text("kode terima 6 angka dikirim ke warga")
    first = code_sent(office, dossier)
    shown = phone.locator("body").inner_text()
    assert not re.search(rf"\b{first}\b", shown), "the page never shows the citizen's code"
    expect(phone.get_by_role("button", name="Berangkat lagi: kirim kode baru")).to_be_visible()
    # The first button tapped twice (the second request from the page as it was) sends once.
    csrf = phone.locator('input[name="csrf_token"]').first.input_value()
    again = phone.request.post(
        office.url("courier", f"/antaran/{dossier}/berangkat"), form={"csrf_token": csrf}
    )
    assert again.ok and "kode terima sudah dikirim ke warga" in again.text()
    assert codes_sent(office, dossier) == [first]
    fits_the_phone(phone)
    assert_accessible(phone)
    screenshot(phone, request, "berangkat")

    failed = section(phone, "Percobaan gagal")
    failed.get_by_label("Keterangan").fill("Rumah terkunci")
    failed.get_by_role("button", name="Simpan: percobaan gagal").click()
    expect(phone.locator("#alasan-gagal-galat")).to_have_text("Pilih alasan percobaan gagal.")
    expect(failed.get_by_label("Keterangan")).to_have_value("Rumah terkunci")
    failed.get_by_label("Penerima tidak di rumah").check()
    failed.get_by_role("button", name="Simpan: percobaan gagal").click()
    expect(phone.locator("#pesan")).to_contain_text("tercatat gagal (penerima tidak di rumah)")
    expect(phone.locator("#pesan")).to_contain_text("Sisa 1 kali percobaan lagi.")
    tried = phone.locator("#percobaan-1")
    expect(tried).to_contain_text("Percobaan ke-1: Penerima tidak di rumah")
    expect(tried).to_contain_text("WIB")
    expect(tried).to_contain_text("Rumah terkunci")
    fits_the_phone(phone)
    assert_accessible(phone)
    screenshot(phone, request, "percobaan-gagal")

    phone.get_by_role("button", name="Berangkat lagi: kirim kode baru").click()
    expect(phone.locator("#pesan")).to_contain_text("kode terima 6 angka dikirim ke warga")
    code = code_sent(office, dossier, nth=2)
    by_code = phone.get_by_label("Kode terima dari warga (6 angka)")
    expect(by_code).to_have_attribute("inputmode", "numeric")
    by_code.fill(another_code(code))
    phone.get_by_role("button", name="Simpan: diserahkan dengan kode").click()
    expect(phone.locator("#receipt_code-galat")).to_contain_text("Kode terima salah")
    expect(by_code).to_have_value(another_code(code))
    expect(phone.locator(".rincian")).to_contain_text("Dibawa kurir")
    fits_the_phone(phone)
    assert_accessible(phone)
    screenshot(phone, request, "kode-salah")

    if first != code:  # the code sent first no longer holds once a new one is sent
        by_code.fill(first)
        phone.get_by_role("button", name="Simpan: diserahkan dengan kode").click()
        expect(phone.locator("#receipt_code-galat")).to_contain_text("Kode terima salah")
    by_code.fill(code)
    phone.get_by_role("button", name="Simpan: diserahkan dengan kode").click()
    expect(phone).to_have_url(office.url("courier", "/antaran"))
    expect(phone.locator("#pesan")).to_contain_text("tercatat diserahkan: kode terima cocok")
    expect(phone.locator(".kartu", has_text=person.name)).to_contain_text("Terkirim")

    phone.goto(office.url("courier", f"/antaran/{dossier}"))
    expect(phone.locator(".rincian")).to_contain_text("Terkirim")
    expect(phone.locator("#percobaan-1")).to_contain_text("Penerima tidak di rumah")
    expect(phone.get_by_role("button", name="Simpan: diserahkan dengan kode")).to_have_count(0)
    screenshot(phone, request, "terkirim")


def test_the_courier_returns_a_document_with_its_reason(
    office: Office, letter: SignedLetter, phone: Page, request: pytest.FixtureRequest
) -> None:
    sign_in(phone, office.url("courier"), "rudi.kurir")
    phone.goto(office.url("courier", f"/antaran/{letter.dossier(1)}"))
    returned = section(phone, "Dikembalikan")
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


def test_a_locked_code_leaves_the_photo_and_a_bad_photo_is_refused_inline(
    office: Office, letter: SignedLetter, api: Api, phone: Page, request: pytest.FixtureRequest
) -> None:
    sign_in(phone, office.url("courier"), "rudi.kurir")
    person, dossier = letter.person(3), letter.dossier(3)
    phone.goto(office.url("courier", f"/antaran/{dossier}"))
    phone.get_by_role("button", name="Berangkat mengantar").click()
    code = code_sent(office, dossier)
    by_code = phone.get_by_label("Kode terima dari warga (6 angka)")
    for _ in range(4):
        by_code.fill(another_code(code))
        phone.get_by_role("button", name="Simpan: diserahkan dengan kode").click()
        expect(phone.locator("#receipt_code-galat")).to_contain_text("Kode terima salah")
    by_code.fill(another_code(code))
    phone.get_by_role("button", name="Simpan: diserahkan dengan kode").click()
    expect(phone.locator("#galat")).to_contain_text("Kode terima dikunci setelah 5 kali salah")
    expect(by_code).to_have_count(0)
    phone.goto(office.url("courier", f"/antaran/{dossier}"))
    expect(phone.locator("#kode-terkunci")).to_be_visible()
    expect(by_code).to_have_count(0)
    fits_the_phone(phone)
    assert_accessible(phone)
    screenshot(phone, request, "kode-terkunci")

    by_photo = section(phone, "Diserahkan")
    camera = by_photo.get_by_label("Foto serah terima")
    expect(camera).to_have_attribute("accept", "image/*")
    expect(camera).to_have_attribute("capture", "environment")
    by_photo.get_by_label("Nama penerima").fill(person.family_member)
    by_photo.get_by_label("Anggota keluarga").check()
    by_photo.get_by_label("Keterangan").fill("Diterima kakaknya")
    camera.set_input_files(
        {"name": "foto.png", "mimeType": "image/png", "buffer": b"not a picture at all"}
    )
    by_photo.get_by_role("button", name="Simpan: diserahkan dengan foto").click()
    expect(phone.locator("#photo-galat")).to_contain_text("bukan foto JPEG atau PNG")
    expect(by_photo.get_by_label("Nama penerima")).to_have_value(person.family_member)
    expect(by_photo.get_by_label("Anggota keluarga")).to_be_checked()
    expect(by_photo.get_by_label("Keterangan")).to_have_value("Diterima kakaknya")
    fits_the_phone(phone)
    assert_accessible(phone)
    screenshot(phone, request, "foto-bukan-gambar")

    # Too big, and no picture the page can redraw smaller: the server refuses it.
    too_big = b"\x89PNG\r\n\x1a\n" + os.urandom(2 * 1024 * 1024 + 4096)
    camera.set_input_files({"name": "besar.png", "mimeType": "image/png", "buffer": too_big})
    by_photo.get_by_role("button", name="Simpan: diserahkan dengan foto").click()
    expect(phone.locator("#photo-galat")).to_contain_text("Foto terlalu besar (2,0 MB)")
    expect(by_photo.get_by_label("Nama penerima")).to_have_value(person.family_member)
    photos = office.system.data_dir / "photos" / "1471" / dossier
    assert not photos.exists() or not any(photos.iterdir()), "a refused photo is not kept"
    screenshot(phone, request, "foto-terlalu-besar")

    # A real photo over 2 MB, as a camera takes them: the page redraws it smaller first.
    camera_sized = png(900, 900, noise=True)
    assert len(camera_sized) > 2 * 1024 * 1024
    camera.set_input_files({"name": "kamera.png", "mimeType": "image/png", "buffer": camera_sized})
    expect(phone.locator("#photo-info")).to_contain_text("Foto diperkecil menjadi")
    chosen = camera.evaluate("input => [input.files[0].type, input.files[0].size]")
    assert chosen[0] == "image/jpeg" and chosen[1] <= 2 * 1024 * 1024, chosen
    assert_accessible(phone)

    taken = png(64, 48)
    camera.set_input_files({"name": "foto.png", "mimeType": "image/png", "buffer": taken})
    by_photo.get_by_role("button", name="Simpan: diserahkan dengan foto").click()
    expect(phone).to_have_url(office.url("courier", "/antaran"))
    expect(phone.locator("#pesan")).to_contain_text(
        "diserahkan kepada anggota keluarga, dengan foto"
    )
    headers = {"Authorization": f"Bearer {api.token(Role.AUDITOR, 'auditor.api')}"}
    proof = httpx.get(
        office.url("courier", f"/deliveries/{dossier}/photo"), headers=headers, timeout=30.0
    )
    assert proof.status_code == 200 and proof.content == taken
    assert proof.headers["X-Content-SHA256"] == sha256(taken).hexdigest()

    phone.goto(office.url("courier", f"/antaran/{dossier}"))
    expect(phone.locator(".rincian")).to_contain_text(f"{person.family_member} (Anggota keluarga)")


def test_a_document_that_failed_twice_can_only_be_returned(
    office: Office, letter: SignedLetter, phone: Page, request: pytest.FixtureRequest
) -> None:
    sign_in(phone, office.url("courier"), "rudi.kurir")
    dossier = letter.dossier(4)
    phone.goto(office.url("courier", f"/antaran/{dossier}"))
    csrf = phone.locator('input[name="csrf_token"]').first.input_value()
    for reason in ("Alamat tidak ditemukan", "Penerima sudah pindah"):
        failed = section(phone, "Percobaan gagal")
        failed.get_by_label(reason).check()
        failed.get_by_role("button", name="Simpan: percobaan gagal").click()
        expect(phone.locator("#pesan")).to_contain_text(f"({reason.lower()})")
    expect(phone.locator("#pesan")).to_contain_text("hanya bisa dikembalikan ke kantor")
    expect(phone.locator("#hanya-kembali")).to_contain_text("sudah 2 kali gagal diantar")
    expect(phone.locator("#percobaan-2")).to_contain_text("Penerima sudah pindah")
    for gone in ("Berangkat mengantar", "Diserahkan", "Percobaan gagal"):
        expect(phone.get_by_role("heading", name=gone, exact=True)).to_have_count(0)
    expect(phone.get_by_role("heading", name="Dikembalikan", exact=True)).to_be_visible()
    fits_the_phone(phone)
    assert_accessible(phone)
    screenshot(phone, request, "hanya-kembali")

    # A third attempt from a page opened before the second (another tab): refused, in words.
    third = phone.request.post(
        office.url("courier", f"/antaran/{dossier}/gagal"),
        form={"csrf_token": csrf, "reason": "REFUSED"},
    )
    assert third.status == 409
    assert "hanya bisa dikembalikan ke kantor" in third.text()
    out = phone.request.post(
        office.url("courier", f"/antaran/{dossier}/berangkat"), form={"csrf_token": csrf}
    )
    assert out.status == 409 and "hanya bisa dikembalikan" in out.text()

    returned = section(phone, "Dikembalikan")
    returned.get_by_label("Alamat tidak ditemukan").check()
    returned.get_by_role("button", name="Simpan: dikembalikan").click()
    expect(phone.locator("#pesan")).to_contain_text("dikembalikan (alamat tidak ditemukan)")
    card = phone.locator(".kartu", has_text=letter.person(4).name)
    expect(card).to_contain_text("Dikembalikan kurir")
    expect(card).to_contain_text("Gagal diantar 2 kali")


def test_the_courier_delivers_with_the_code_by_keyboard_alone(
    office: Office, letter: SignedLetter, phone: Page
) -> None:
    sign_in(phone, office.url("courier"), "rudi.kurir")
    dossier = letter.dossier(5)
    phone.goto(office.url("courier", f"/antaran/{dossier}"))
    phone.get_by_role("button", name="Berangkat mengantar").focus()
    phone.keyboard.press("Enter")
    expect(phone.locator("#pesan")).to_contain_text("kode terima 6 angka dikirim ke warga")
    code = code_sent(office, dossier)
    phone.get_by_role("button", name="Berangkat lagi: kirim kode baru").focus()
    phone.keyboard.press("Tab")
    expect(phone.get_by_label("Kode terima dari warga (6 angka)")).to_be_focused()
    phone.keyboard.type(code)
    phone.keyboard.press("Tab")
    expect(phone.get_by_role("button", name="Simpan: diserahkan dengan kode")).to_be_focused()
    phone.keyboard.press("Enter")
    expect(phone.locator("#pesan")).to_contain_text("tercatat diserahkan: kode terima cocok")


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
    csrf = phone.locator('input[name="csrf_token"]').first.input_value()
    fields = {"csrf_token": csrf, "reason": "REFUSED", "bukti": "kode", "receipt_code": "123456"}
    for action in ("berangkat", "gagal", "diserahkan"):
        answer = phone.request.post(
            office.url("courier", f"/antaran/{letter.dossier(2)}/{action}"), form=fields
        )
        assert answer.status == 404, action
