"""The tracking page in a real Chromium at a phone's size, served over loopback by the
reporting service: it passes axe-core, fits 360x740, works with the keyboard and loads
nothing from anywhere else."""

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator

import pytest
import uvicorn
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Page, async_playwright

from services.reporting.main import create_app
from shared.log import EventLog
from shared.vocabulary import AttemptReason
from tests.integration.courier_support import eventually
from tests.sop_history import Office

CODE = "K7MW3QXP9RHT"
PHONE = {"width": 360, "height": 740}


@contextlib.asynccontextmanager
async def served_reporting() -> AsyncIterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    server = uvicorn.Server(
        uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning")
    )
    task = asyncio.create_task(server.serve())
    for _ in range(500):  # it binds its port within moments
        if server.started:
            break
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def a_returned_document(log: EventLog) -> None:
    office = Office(log)
    dossier = await office.register(tracking_code=CODE)
    letter = await office.draft(await office.recap([dossier]))
    await office.sign(letter)
    await office.accept(letter)
    await office.attempt(dossier, letter, 1)
    await office.attempt(dossier, letter, 2, AttemptReason.ADDRESS_NOT_FOUND)
    await office.return_(dossier, letter)


async def serious_violations(page: Page) -> list[str]:
    results = await Axe().run(page)
    return [
        f"{v['id']}: {v['help']}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("path", [f"/lacak/{CODE}", "/lacak/TIDAKADAKODE", "/lacak"])
async def test_the_tracking_page_passes_axe_and_fits_a_phone(
    service_env: dict[str, str], event_log: EventLog, path: str
) -> None:
    await a_returned_document(event_log)
    async with served_reporting() as base, async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path="/usr/bin/chromium")
        try:
            page = await browser.new_page(viewport=PHONE)
            asked: list[str] = []
            page.on("request", lambda request: asked.append(request.url))
            await eventually(
                lambda: page.goto(base + f"/lacak/{CODE}"),
                lambda answer: answer is not None and answer.status == 200,
                "the document on the tracking page",
            )
            await page.goto(base + path)
            assert await page.get_attribute("html", "lang") == "id"
            assert await serious_violations(page) == []
            width = await page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"]
            assert all(url.startswith(base) for url in asked), asked
        finally:
            await browser.close()


async def test_a_code_typed_with_the_keyboard_finds_the_document(
    service_env: dict[str, str], event_log: EventLog
) -> None:
    await a_returned_document(event_log)
    async with served_reporting() as base, async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path="/usr/bin/chromium")
        try:
            page = await browser.new_page(viewport=PHONE)
            await page.goto(base + "/lacak")
            await page.keyboard.press("Tab")
            assert await page.evaluate("document.activeElement.id") == "kode"
            # Typed as people type it: in lower case, with dashes.
            await page.keyboard.type("k7mw-3qxp-9rht")
            await page.keyboard.press("Enter")
            await page.wait_for_url(f"{base}/lacak/{CODE}")
            await eventually(
                lambda: page.reload(),
                lambda answer: answer is not None and answer.status == 200,
                "the document on the tracking page",
            )
            text = await page.inner_text("main")
            assert "KTP Elektronik" in text and "Dibawa kembali ke kantor" in text
            assert "Upaya ke-2: alamat tidak ditemukan" in text
            assert "Rina Marlina" not in text
        finally:
            await browser.close()
