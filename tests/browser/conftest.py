"""Browser tests: Debian's Chromium driven by Playwright (never a browser Playwright
downloads) against the four services run as real processes by `jasa up`.

Fixtures, for the screens' tests:
- `office` (per module): `jasa up` on free ports with its own Redis and data dir, and
  `office.enrol(username, role)` to add an officer through `jasa officer add`;
- `browser` (per session): headless Chromium; `page` a fresh desk-sized page, `phone` a
  360x740 one (the courier's);
- helpers `sign_in(page, url, username)`, `assert_accessible(page)` (axe-core: no serious or
  critical violation) and `screenshot(page, name)` (kept under var/test-artifacts/).

Without Chromium the tests are skipped, saying why; under CI=true a missing browser fails."""

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from shared.vocabulary import Role
from tests.e2e.harness import JasaUp, free_port_base

CHROMIUM = Path(os.environ.get("JASA_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts"
PASSWORD = "kata-sandi-rahasia-1"
DESK = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}
SERIOUS = {"serious", "critical"}

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="session")
def chromium() -> Path:
    if CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    reason = f"no Chromium at {CHROMIUM} (apt-get install chromium, or set JASA_CHROMIUM)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true and the browser tests cannot run: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser(chromium: Path) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=DESK, locale="id-ID")
    yield context.new_page()
    context.close()


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE, locale="id-ID", is_mobile=True, has_touch=True)
    yield context.new_page()
    context.close()


@dataclass
class Office:
    """A running installation, and the officers enrolled in it."""

    system: JasaUp
    officers: dict[str, Role] = field(default_factory=dict)

    def url(self, service: str, path: str = "/") -> str:
        return self.system.urls[service] + path

    def jasa(self, *arguments: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "services.cli", *arguments],
            env=self.system.environment(),
            input=input,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def enrol(
        self, username: str, role: Role, name: str | None = None, office: str | None = None
    ) -> str:
        """Add an officer with `PASSWORD` through `jasa officer add`; their username."""
        where = ["--office", office] if office else []
        done = self.jasa(
            "officer", "add", username, "--role", role.value,
            "--name", name or username.replace(".", " ").title(), "--password-stdin", *where,
            input=PASSWORD,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        self.officers[username] = role
        return username


@pytest.fixture(scope="module")
def office(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Office]:
    """`jasa up` for one module; a module's `OFFICE_SETTINGS` (a dict) adds to its environment,
    e.g. `{"JASA_OFFICES": "1471,1472"}` for an officer of another office."""
    root = tmp_path_factory.mktemp("office")
    system = JasaUp(
        data_dir=root / "var",
        port_base=free_port_base(),
        output_dir=root,
        settings=dict(getattr(request.module, "OFFICE_SETTINGS", {})),
    )
    system.start(timeout=120)
    try:
        yield Office(system)
    finally:
        if system.process is not None and system.process.poll() is None:
            system.stop()
        system.children_left()


def sign_in(page: Page, url: str, username: str, password: str = PASSWORD) -> None:
    """Open `url`'s sign-in form and sign in, as a person would."""
    page.goto(url.rstrip("/") + "/login")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(password)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_load_state()


def assert_accessible(page: Page) -> None:
    """axe-core on the page as it is now: no serious or critical violation."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}"
        for v in results.response["violations"]
        if v.get("impact") in SERIOUS
    ]
    assert serious == [], f"axe-core on {page.url}:\n" + "\n".join(serious)


def screenshot(page: Page, request: pytest.FixtureRequest, name: str) -> Path:
    """A full-page screenshot kept as a test artifact, under var/test-artifacts/<test>/."""
    folder = ARTIFACTS / re.sub(r"[^\w.-]+", "_", request.node.name)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
