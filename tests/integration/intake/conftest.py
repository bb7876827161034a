"""The intake service in process, with a population registry to check documents against."""

import asyncio
import itertools
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from services.intake.domain import RegistryEntry
from services.intake.main import create_app
from services.intake.registry import load_registry
from shared.vocabulary import DocumentType
from tests.conftest import running, token_for

FO = token_for("FO", officer_id="198001012005011001", name="Siti Rahma")
FO_2 = token_for("FO", officer_id="198502022010012002", name="Dewi Lestari")
KASUBBAG = token_for("KASUBBAG_UMUM", officer_id="197001012000011003", name="Ahmad Yani")
SEKRETARIS = token_for("SEKRETARIS", officer_id="196801011990011004", name="Hj. Nurlela")
COURIER = token_for("COURIER", officer_id="courier-1", name="Budi Kurir")
AUDITOR = token_for("AUDITOR", officer_id="auditor-1", name="Rudi Auditor")

_serials = itertools.count(1)


def a_nik(woman: bool = False) -> str:
    """A fresh, valid Pekanbaru NIK."""
    day = 17 + (40 if woman else 0)
    return f"147101{day:02d}0890{next(_serials) % 9999 + 1:04d}"


def a_document_number(prefix: str = "DOC") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10].upper()}"


@dataclass
class Desk:
    """The intake app, an HTTP client on it, and helpers a test reads as sentences."""

    app: FastAPI
    client: httpx.AsyncClient

    async def in_registry(
        self,
        document_type: DocumentType = DocumentType.KTP_EL,
        *,
        signed: bool = True,
        nik: str | None = None,
        number: str | None = None,
    ) -> RegistryEntry:
        entry = RegistryEntry(
            document_type, number or a_document_number(), nik or a_nik(), "Rina Marlina", signed
        )
        await load_registry(self.app.state.context.engine, [entry], office="1471")
        return entry

    async def signed_in_registry(self, entry: RegistryEntry) -> None:
        """The registry is loaded again with the document signed (`jasa registry load`)."""
        await load_registry(
            self.app.state.context.engine, [replace(entry, signed=True)], office="1471"
        )

    def application(self, entry: RegistryEntry, **overrides: Any) -> dict[str, Any]:
        return {
            "nik": entry.nik,
            "name": "Rina Marlina",
            "address": "Jl. Sudirman No. 12, Pekanbaru",
            "phone": "0812-3456-7890",
            "document_type": entry.document_type.value,
            "document_number": entry.document_number,
            **overrides,
        }

    async def register(self, entry: RegistryEntry, headers: dict[str, str] = FO) -> dict[str, Any]:
        response = await self.client.post(
            "/dossiers", json=self.application(entry), headers=headers
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def registered_and_seen(
        self, document_type: DocumentType = DocumentType.KTP_EL, *, signed: bool = True
    ) -> dict[str, Any]:
        """A registered dossier the read model already shows."""
        dossier = await self.register(await self.in_registry(document_type, signed=signed))
        await self.seen(dossier["dossier_id"], lambda d: d["status"] == dossier["status"])
        return dossier

    async def unsigned_and_seen(
        self, document_type: DocumentType = DocumentType.KTP_EL
    ) -> tuple[RegistryEntry, dict[str, Any]]:
        """A dossier registered (by FO) for a document the registry lists unsigned, flagged."""
        entry = await self.in_registry(document_type, signed=False)
        dossier = await self.register(entry)
        assert dossier["status"] == "FLAGGED"
        await self.seen(dossier["dossier_id"], lambda d: d["status"] == "FLAGGED")
        return entry, dossier

    async def seen(
        self,
        dossier_id: str,
        until: Callable[[dict[str, Any]], bool] = lambda _: True,
        within: float = 10.0,
    ) -> dict[str, Any]:
        """The dossier as GET shows it, once `until` holds (the consumer catches up)."""
        return await eventually(
            lambda: self.client.get(f"/dossiers/{dossier_id}", headers=FO), until, within
        )

    async def log(self) -> list[Any]:
        return list(await self.app.state.context.log.read(limit=10_000))


async def eventually(
    call: Callable[[], Awaitable[httpx.Response]],
    until: Callable[[dict[str, Any]], bool] = lambda _: True,
    within: float = 10.0,
) -> dict[str, Any]:
    deadline = time.monotonic() + within
    while True:
        response = await call()
        if response.status_code == 200 and until(response.json()):
            return dict(response.json())
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {within}s: {response.status_code} {response.text}")
        await asyncio.sleep(0.05)


@pytest.fixture
async def desk(service_env: dict[str, str]) -> AsyncIterator[Desk]:
    app = create_app()
    async with running(app) as client:
        yield Desk(app, client)
