"""Read-your-writes across the four services: each command answers with its log position
(`Jasa-Log-Position`), and whoever reads next, at any service of the office, sends it back
(`Jasa-Read-After`) and sees the write at once, without polling."""

import contextlib
import importlib
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from services.intake.domain import RegistryEntry
from services.intake.registry import load_registry
from shared.http.positions import LOG_POSITION, READ_AFTER
from shared.vocabulary import DocumentType
from tests.conftest import running, token_for
from tests.factories import registration

SERVICES = ("intake", "approval", "courier", "reporting")
FO = token_for("FO", officer_id="198001012005011001", name="Siti Rahma")
KASUBBAG = token_for("KASUBBAG_UMUM", officer_id="197001012000011003", name="Ahmad Yani")
SEKRETARIS = token_for("SEKRETARIS", officer_id="196801011990011004", name="Hj. Nurlela")
COURIER = token_for("COURIER", officer_id="courier-1", name="Budi Kurir")
AUDITOR = token_for("AUDITOR", officer_id="auditor-1", name="Rudi Auditor")


class Session:
    """An officer's browser session: the last position it was answered with goes along with
    every request after it, whichever service that request is for."""

    def __init__(self, clients: dict[str, httpx.AsyncClient], entry: RegistryEntry) -> None:
        self.clients, self.entry = clients, entry  # a document the registry holds
        self.position: str | None = None
        self.positions: list[str] = []

    def _headers(self, auth: dict[str, str]) -> dict[str, str]:
        return {**auth, READ_AFTER: self.position} if self.position else auth

    async def post(
        self, service: str, path: str, auth: dict[str, str], body: Any = None, status: int = 200
    ) -> dict[str, Any]:
        answer = await self.clients[service].post(path, json=body, headers=self._headers(auth))
        assert answer.status_code == status, f"{path}: {answer.status_code} {answer.text}"
        self.position = answer.headers[LOG_POSITION]
        self.positions.append(self.position)
        return dict(answer.json())

    async def get(self, service: str, path: str, auth: dict[str, str]) -> dict[str, Any]:
        answer = await self.clients[service].get(path, headers=self._headers(auth))
        assert answer.status_code == 200, f"{path}: {answer.status_code} {answer.text}"
        return dict(answer.json())


@pytest.fixture
async def session(service_env: dict[str, str]) -> AsyncIterator[Session]:
    apps = {
        name: importlib.import_module(f"services.{name}.main").create_app() for name in SERVICES
    }
    async with contextlib.AsyncExitStack() as stack:
        clients = {
            name: await stack.enter_async_context(running(app)) for name, app in apps.items()
        }
        entry = RegistryEntry(
            DocumentType.KK, f"KK-{uuid.uuid4().hex[:8]}", "1471011708900001", "Rina Marlina", True
        )
        await load_registry(apps["intake"].state.context.engine, [entry], office="1471")
        yield Session(clients, entry)


async def test_each_step_of_the_procedure_is_seen_by_the_next_reader_at_once(
    session: Session,
) -> None:
    dossier = await session.post("intake", "/dossiers", FO, registration(session.entry), 201)
    dossier_id = dossier["dossier_id"]
    assert (await session.get("intake", f"/dossiers/{dossier_id}", FO))["status"] == "REGISTERED"

    recap = await session.post("intake", "/recaps", FO, {"document_type": "KK"}, 201)
    awaiting = await session.get("approval", "/recaps?status=AWAITING_LETTER", KASUBBAG)
    assert [item["recap_id"] for item in awaiting["items"]] == [recap["recap_id"]]

    letter = await session.post(
        "approval", "/letters", KASUBBAG, {"recap_id": recap["recap_id"]}, 201
    )
    letter_id = letter["letter_id"]
    await session.post("approval", f"/letters/{letter_id}/sign", SEKRETARIS)
    ready = await session.get("courier", "/handovers?status=READY", COURIER)
    assert [item["letter_id"] for item in ready["items"]] == [letter_id]

    await session.post("courier", f"/handovers/{letter_id}/accept", COURIER)
    await session.post(
        "courier",
        f"/deliveries/{dossier_id}/returned",
        COURIER,
        {"reason": "RECIPIENT_NOT_HOME", "note": "rumah tutup"},
    )
    returns = await session.get("courier", "/returns", KASUBBAG)
    assert [item["dossier_id"] for item in returns["items"]] == [dossier_id]
    await session.post("courier", f"/returns/{dossier_id}/receive", KASUBBAG)

    card = await session.get("reporting", f"/control-cards/{dossier_id}", AUDITOR)
    assert card["status"] == "RECEIVED_BACK"
    undelivered = await session.get("reporting", "/reports/undelivered", AUDITOR)
    assert [item["dossier_id"] for item in undelivered["items"]] == [dossier_id]
    assert (await session.get("intake", f"/dossiers/{dossier_id}", FO))["status"] == (
        "RECEIVED_BACK"
    )
    verified = await session.get("reporting", "/audit/verify", AUDITOR)
    assert (verified["ok"], verified["events_checked"]) == (True, 7)  # as stored, sealed
    # Every command told where its last event is, in the log's own order.
    assert len(session.positions) == 7
    as_numbers = [tuple(map(int, p.split("-"))) for p in session.positions]
    assert as_numbers == sorted(as_numbers) and len(set(as_numbers)) == 7


@pytest.mark.parametrize("service", SERVICES)
async def test_the_openapi_document_tells_of_both_headers(
    service: str, service_env: dict[str, str]
) -> None:
    app = importlib.import_module(f"services.{service}.main").create_app()
    document = app.openapi()
    operations = [
        (method, path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if path not in ("/health", "/ready", "/asyncapi.json")
        # No sign-in (a letter's check, the citizen's tracking page): no office to read after.
        and not {"public", "citizens"} & set(operation.get("tags", []))
    ]
    assert operations
    for method, path, operation in operations:
        headers = [p["name"] for p in operation.get("parameters", []) if p["in"] == "header"]
        assert READ_AFTER in headers, f"{method} {path}"
        if method == "post":
            [answer] = [r for status, r in operation["responses"].items() if status < "300"]
            assert LOG_POSITION in answer["headers"], f"{method} {path}"
