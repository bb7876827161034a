"""Signing in through a real browser (Debian's Chromium) against the four services as real
processes: the officer lands on their queue, and every refusal a person can meet."""

import pytest
from playwright.sync_api import Page, expect

from shared.vocabulary import Role
from tests.browser.conftest import (
    PASSWORD,
    Office,
    assert_accessible,
    screenshot,
    sign_in,
)

WRONG = "Nama pengguna atau kata sandi salah."


def test_an_fo_signs_in_and_lands_on_the_registration_queue(
    office: Office, page: Page, request: pytest.FixtureRequest
) -> None:
    office.enrol("siti.rahma", Role.FO, "Siti Rahma")
    page.goto(office.url("intake", "/"))
    expect(page).to_have_url(office.url("intake", "/login?next=/"))
    screenshot(page, request, "login")
    sign_in(page, office.url("intake"), "siti.rahma")
    expect(page).to_have_url(office.url("intake", "/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Pendaftaran dokumen")
    expect(page.get_by_text("Siti Rahma")).to_be_visible()
    screenshot(page, request, "fo-landing")


def test_a_sekretaris_signed_in_on_intake_lands_on_the_letters_to_sign(
    office: Office, page: Page
) -> None:
    office.enrol("sekretaris", Role.SEKRETARIS)
    sign_in(page, office.url("intake"), "sekretaris")
    expect(page).to_have_url(office.url("approval", "/"))
    expect(page.get_by_role("heading", name="Surat menunggu tanda tangan")).to_be_visible()
    page.goto(office.url("reporting", "/"))  # the same sign-in, another service
    expect(page.get_by_role("heading", level=1)).to_have_text("Laporan")


def test_a_wrong_password_is_told_inline_and_the_username_kept(office: Office, page: Page) -> None:
    office.enrol("ani.fo", Role.FO)
    sign_in(page, office.url("intake"), "ani.fo", "bukan-kata-sandinya")
    expect(page.get_by_role("alert")).to_have_text(WRONG)
    expect(page.get_by_label("Nama pengguna")).to_have_value("ani.fo")
    expect(page.get_by_label("Kata sandi")).to_have_value("")


def test_five_failures_lock_the_username(office: Office, page: Page) -> None:
    office.enrol("budi.fo", Role.FO)
    for n in range(5):
        sign_in(page, office.url("intake"), "budi.fo", f"salah-{n}-kata-sandi")
    expect(page.get_by_role("alert")).to_contain_text("Terlalu banyak percobaan")
    sign_in(page, office.url("intake"), "budi.fo", PASSWORD)
    expect(page.get_by_role("alert")).to_contain_text("Coba lagi dalam 15 menit")
    expect(page).to_have_url(office.url("intake", "/login"))


def test_a_suspended_officers_open_session_ends(office: Office, page: Page) -> None:
    office.enrol("dewi.fo", Role.FO)
    sign_in(page, office.url("intake"), "dewi.fo")
    expect(page.get_by_role("heading", level=1)).to_have_text("Pendaftaran dokumen")
    suspended = office.jasa("officer", "suspend", "dewi.fo", "--reason", "pemeriksaan")
    assert suspended.returncode == 0, suspended.stderr
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Masuk")
    sign_in(page, office.url("intake"), "dewi.fo")
    expect(page.get_by_role("alert")).to_contain_text("ditangguhkan")


def test_a_post_without_a_csrf_token_is_refused(office: Office, page: Page) -> None:
    office.enrol("eka.fo", Role.FO)
    sign_in(page, office.url("intake"), "eka.fo")
    sign_out = page.locator('form[action="/logout"] input[name="csrf_token"]')
    sign_out.evaluate("input => input.remove()")
    page.get_by_role("button", name="Keluar").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Akses ditolak")
    page.goto(office.url("intake", "/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Pendaftaran dokumen")


def test_a_page_of_another_role_is_refused(
    office: Office, page: Page, request: pytest.FixtureRequest
) -> None:
    office.enrol("kurir.satu", Role.COURIER)
    sign_in(page, office.url("courier"), "kurir.satu")
    response = page.goto(office.url("intake", "/"))
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Akses ditolak")
    expect(page.get_by_text("Anda masuk sebagai Kurir")).to_be_visible()
    screenshot(page, request, "forbidden")


def test_signing_out_ends_the_session_on_every_service(office: Office, page: Page) -> None:
    office.enrol("kasubbag", Role.KASUBBAG_UMUM)
    sign_in(page, office.url("approval"), "kasubbag")
    expect(page.get_by_role("heading", name="Rekapan menunggu surat pengantar")).to_be_visible()
    page.get_by_role("button", name="Keluar").click()
    expect(page.get_by_text("Anda telah keluar.")).to_be_visible()
    for service in ("approval", "courier", "reporting"):
        page.goto(office.url(service, "/"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Masuk")


def test_the_sign_in_form_and_a_landing_page_pass_axe(
    office: Office, page: Page, request: pytest.FixtureRequest
) -> None:
    office.enrol("auditor", Role.AUDITOR)
    page.goto(office.url("reporting", "/login"))
    assert_accessible(page)
    sign_in(page, office.url("reporting"), "auditor", "salah-kata-sandi-1")
    assert_accessible(page)  # with its error shown
    sign_in(page, office.url("reporting"), "auditor")
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit")
    assert_accessible(page)
    screenshot(page, request, "auditor-landing")


def test_an_officer_signs_in_with_the_keyboard_alone(office: Office, page: Page) -> None:
    office.enrol("fitri.fo", Role.FO)
    page.goto(office.url("intake", "/login"))
    expect(page.get_by_label("Nama pengguna")).to_be_focused()  # the form is ready to type in
    page.keyboard.type("fitri.fo")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Kata sandi")).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Pendaftaran dokumen")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Langsung ke isi halaman")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


def test_the_courier_landing_fits_a_phone(
    office: Office, phone: Page, request: pytest.FixtureRequest
) -> None:
    office.enrol("kurir.dua", Role.COURIER)
    sign_in(phone, office.url("courier"), "kurir.dua")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Serah terima dokumen")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the page is {width}px wide on a 360px phone"
    assert_accessible(phone)
    screenshot(phone, request, "courier-landing-phone")
