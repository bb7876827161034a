"""The reporting screens, as the auditor and the Kasubbag Umum use them: an office day
played through the API (`jasa demo`), then its control cards, reports with their charts,
downloads, the undelivered list, the audit chain's state and the sign-ins."""

import pytest
from playwright.sync_api import Page, expect

from shared.vocabulary import Role
from tests.browser.conftest import Office, assert_accessible, screenshot, sign_in


@pytest.fixture(scope="module")
def day(office: Office) -> Office:
    played = office.jasa("demo", "--applicants", "12", "--seed", "7")
    assert played.returncode == 0, played.stdout + played.stderr
    office.enrol("audi.tor", Role.AUDITOR)
    office.enrol("kasubbag.umum", Role.KASUBBAG_UMUM)
    office.enrol("fo.satu", Role.FO)
    return office


def test_the_auditor_lands_on_the_chain_and_verifies_it_from_the_page(
    day: Office, page: Page, request: pytest.FixtureRequest
) -> None:
    sign_in(page, day.url("reporting"), "audi.tor")
    expect(page.get_by_role("heading", name="Keadaan rantai audit")).to_be_visible()
    page.get_by_role("button", name="Verifikasi sekarang").click()
    expect(page.locator("#pesan")).to_contain_text("Log utuh")
    expect(page.locator(".rincian")).to_contain_text("Utuh")
    expect(page.locator(".rincian")).to_contain_text("Audi Tor")
    assert_accessible(page)
    screenshot(page, request, "audit")


def test_a_returned_documents_control_card_shows_each_step_its_officer_and_time(
    day: Office, page: Page, request: pytest.FixtureRequest
) -> None:
    sign_in(page, day.url("reporting"), "audi.tor")
    page.goto(day.url("reporting", "/laporan/belum-terkirim"))
    rows = page.locator("tbody tr")
    expect(rows.first).to_be_visible()
    assert "Tidak ada dokumen" not in rows.first.inner_text(), "the demo day returns some"
    assert_accessible(page)
    screenshot(page, request, "undelivered")
    rows.first.get_by_role("link").click()
    expect(page.get_by_role("heading", name="Kartu kendali")).to_be_visible()
    steps = page.locator("table tbody tr")
    assert steps.count() >= 5
    first = steps.first.inner_text()
    assert "Berkas didaftarkan" in first and "WIB" in first
    assert page.locator("tbody").get_by_text("Dikembalikan kurir").count() >= 1
    assert_accessible(page)
    screenshot(page, request, "control-card")


def test_an_unknown_dossier_number_is_told_plainly(day: Office, page: Page) -> None:
    sign_in(page, day.url("reporting"), "kasubbag.umum")
    page.goto(day.url("reporting", "/kartu"))
    page.get_by_label("Nomor berkas").fill("bukan-nomor")
    page.get_by_role("button", name="Buka").click()
    expect(page.locator("#dossier_id-galat")).to_contain_text("tidak dikenali")
    page.goto(day.url("reporting", "/kartu/00000000-0000-4000-8000-000000000000"))
    expect(page.locator("#galat")).to_contain_text("tidak ada di kantor Anda")


def test_the_delivery_report_has_its_chart_table_and_downloads(
    day: Office, page: Page, request: pytest.FixtureRequest
) -> None:
    sign_in(page, day.url("reporting"), "kasubbag.umum")
    page.goto(day.url("reporting", "/laporan/pengiriman"))
    chart = page.get_by_role("img", name="Berkas per jenis dokumen menurut keadaannya")
    expect(chart).to_be_visible()
    assert chart.locator("rect").count() >= 1
    expect(page.locator("table")).to_contain_text("KTP Elektronik")
    assert_accessible(page)
    screenshot(page, request, "deliveries")
    with page.expect_download() as csv_download:
        page.get_by_role("link", name="CSV").click()
    text = open(csv_download.value.path(), encoding="utf-8").read()
    assert text.splitlines()[0].count(",") >= 5
    with page.expect_download() as pdf_download:
        page.get_by_role("link", name="PDF").click()
    assert open(pdf_download.value.path(), "rb").read(5) == b"%PDF-"


def test_a_date_that_is_no_date_is_refused_inline(day: Office, page: Page) -> None:
    sign_in(page, day.url("reporting"), "kasubbag.umum")
    response = page.goto(day.url("reporting", "/laporan/pengiriman?from=kemarin"))
    assert response is not None and response.status == 422
    expect(page.locator("#periode-galat")).to_contain_text("Tanggal tidak dikenali")
    expect(page.get_by_label("Dari tanggal")).to_be_visible()


def test_the_delay_report_charts_each_sop_step(
    day: Office, page: Page, request: pytest.FixtureRequest
) -> None:
    sign_in(page, day.url("reporting"), "kasubbag.umum")
    page.goto(day.url("reporting", "/laporan/keterlambatan"))
    expect(page.get_by_role("img", name="Median waktu per langkah SOP (menit)")).to_be_visible()
    expect(page.get_by_role("table").first).to_contain_text("Pendaftaran dan rekapan")
    assert_accessible(page)
    screenshot(page, request, "delays")


def test_the_auditor_sees_the_sign_ins_and_the_kasubbag_does_not(
    day: Office, page: Page, request: pytest.FixtureRequest
) -> None:
    sign_in(page, day.url("reporting"), "audi.tor")
    page.goto(day.url("reporting", "/audit/masuk"))
    expect(page.locator("tbody")).to_contain_text("Masuk")
    assert_accessible(page)
    screenshot(page, request, "sign-ins")
    page.context.clear_cookies()
    sign_in(page, day.url("reporting"), "kasubbag.umum")
    response = page.goto(day.url("reporting", "/audit/masuk"))
    assert response is not None and response.status == 403


def test_the_front_office_cannot_open_the_reports(day: Office, page: Page) -> None:
    sign_in(page, day.url("intake"), "fo.satu")
    response = page.goto(day.url("reporting", "/laporan/pengiriman"))
    assert response is not None and response.status == 403


def test_the_courier_webhooks_screen_lists_the_endpoints_and_what_failed(
    day: Office, page: Page, request: pytest.FixtureRequest
) -> None:
    # An address, not a name: no name resolves on a closed network, and a public address
    # is what the command takes without JASA_WEBHOOK_ALLOW_PRIVATE.
    added = day.jasa(
        "webhooks", "add", "https://93.184.215.14/jasa", "--description", "Pos Pekanbaru"
    )
    assert added.returncode == 0, added.stdout + added.stderr
    sign_in(page, day.url("reporting"), "kasubbag.umum")
    page.goto(day.url("reporting", "/webhook"))
    endpoints = page.get_by_role("table", name="Alamat webhook kantor ini")
    expect(endpoints).to_contain_text("https://93.184.215.14/jasa")
    expect(endpoints).to_contain_text("Pos Pekanbaru")
    failed = page.get_by_role("table", name="Pesan yang gagal terkirim setelah semua percobaan")
    expect(failed).to_contain_text("Tidak ada pesan yang gagal.")
    assert_accessible(page)
    screenshot(page, request, "webhooks")
