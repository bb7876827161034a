"""No NIK, phone number, token or secret in any log line of a whole office day.

`jasa up` runs as a real process; `jasa demo --applicants 40` plays the day through the API,
and a few careless clients add what a log is most likely to leak: personal data and a token
in query strings, and bodies the services refuse. Then everything that was logged is read:
the four services' log files, `jasa up`'s own output, Redis's log, and what `jasa demo` and
`jasa registry load` printed. Every NIK and phone number of the day (taken from the log of
events itself), in every way it can be written, the secret and every token must be absent."""

import asyncio
import base64
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis

from shared.events import DocumentRegistered
from shared.identity import issue_token
from shared.keys import Keys
from shared.log import EventLog
from shared.master_key import KEY_FILE
from shared.privacy import Privacy
from shared.vocabulary import Role
from tests.e2e.harness import JasaUp, free_port_base

pytestmark = pytest.mark.e2e

JWT = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")


@pytest.fixture
def system(tmp_path: Path) -> Iterator[JasaUp]:
    up = JasaUp(data_dir=tmp_path / "var", port_base=free_port_base(), output_dir=tmp_path)
    yield up
    if up.process is not None and up.process.poll() is None:
        up.stop()


def registrations(system: JasaUp) -> list[DocumentRegistered]:
    """The day's registrations with their personal data revealed: the log stores it sealed,
    and a sealed NIK is not what a careless client or a leaky log line would carry."""
    key = base64.b64decode((system.data_dir / KEY_FILE).read_text())

    async def read() -> list[DocumentRegistered]:
        redis = Redis.from_url(system.redis_url)
        keys = Keys("1471")
        try:
            log = EventLog(redis, keys, Privacy(redis, keys, key))
            events = await log.reveal_all(await log.read(limit=100_000))
        finally:
            await redis.aclose()
        return [e.data for e in events if isinstance(e.data, DocumentRegistered)]

    day = asyncio.run(read())
    assert all(re.fullmatch(r"[0-9]{16}", r.nik) for r in day), "the NIKs are revealed"
    return day


def phone_spellings(e164: str) -> set[str]:
    """+6281234567890, 6281234567890, 081234567890 and 0812-3456-7890."""
    national = "0" + e164[3:]
    return {e164, e164[1:], national, f"{national[:4]}-{national[4:8]}-{national[8:]}"}


def careless_clients(system: JasaUp, nik: str, phone: str) -> str:
    """Requests a log is most likely to leak from; returns the token they carried."""
    token = issue_token(
        (system.data_dir / "secret").read_text().strip(),
        role=Role.FO,
        officer_id="198001012005011001",
        name="Siti Rahma",
        office="1471",
    )
    headers = {"Authorization": f"Bearer {token}"}
    urls = system.urls
    national = "0" + phone[3:]
    with httpx.Client(timeout=10) as client:
        client.get(f"{urls['intake']}/dossiers?nik={nik}&phone={phone}&access_token={token}")
        client.get(
            f"{urls['intake']}/dossiers", params={"nik": nik, "hp": national}, headers=headers
        )
        client.get(f"{urls['reporting']}/control-cards/{nik}?token={token}", headers=headers)
        application = {
            "nik": nik,
            "name": "Rina Marlina",
            "address": "Jl. Sudirman No. 12, Pekanbaru",
            "phone": national,
            "document_type": "KTP_EL",
            "document_number": "NOT-IN-THE-REGISTRY",
        }
        client.post(f"{urls['intake']}/dossiers", json=application, headers=headers)
        client.post(
            f"{urls['intake']}/dossiers",
            json={**application, "nik": nik[:15] + "x"},
            headers=headers,
        )
        client.post(
            f"{urls['intake']}/dossiers", json={**application, "extra": token}, headers=headers
        )
        client.post(
            f"{urls['intake']}/dossiers",
            content=f'{{"nik": "{nik}", "phone": "{phone}"',  # not JSON
            headers={**headers, "content-type": "application/json"},
        )
        client.post(
            f"{urls['intake']}/dossiers",
            json=application,
            headers={"Authorization": f"Bearer {token}x"},
        )
    return token


def everything_logged(system: JasaUp, *printed: str) -> dict[str, str]:
    logs = {
        path.name: path.read_text(errors="replace") for path in (system.data_dir / "logs").glob("*")
    }
    logs["jasa up"] = system.output()
    logs["redis.log"] = (system.data_dir / "redis" / "redis.log").read_text(errors="replace")
    for n, text in enumerate(printed):
        logs[f"printed {n}"] = text
    return logs


def test_no_log_line_of_an_office_day_holds_a_nik_a_phone_a_token_or_the_secret(
    system: JasaUp,
) -> None:
    system.start()
    demo = system.run("demo", "--applicants", "40", "--seed", "1471")
    assert demo.returncode == 0, demo.stdout + demo.stderr
    day = registrations(system)
    assert len(day) >= 40
    token = careless_clients(system, day[0].nik, day[0].phone)
    secret = (system.data_dir / "secret").read_text().strip()
    assert system.stop() == 0
    logs = everything_logged(system, demo.stdout, demo.stderr)
    assert sum(len(text) for text in logs.values()) > 1000, "the services did log"
    assert "GET /dossiers" in logs["intake.log"], "access lines are logged (without queries)"

    forbidden = {secret: "the secret", token: "a token", token[:40]: "a token's start"}
    for registration in day:
        forbidden[registration.nik] = "a NIK"
        for spelling in phone_spellings(registration.phone):
            forbidden[spelling] = "a phone number"
    for name, text in logs.items():
        for value, what in forbidden.items():
            assert value not in text, f"{name} holds {what}: {_line_with(text, value)}"
        found = JWT.search(text)
        assert found is None, f"{name} holds a token: {_line_with(text, found.group())}"


def _line_with(text: str, value: str) -> str:
    return next(line for line in text.splitlines() if value in line)
