"""Correcting a data-entry error: the FO who finds it flags it, another FO corrects the
name, address or phone, and the dossier goes on with the corrected data in every service;
the log keeps the new values sealed, and an erasure erases them too."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from typer.testing import CliRunner

from services.approval.main import create_app as approval_app
from services.cli import app as jasa
from services.courier.main import create_app as courier_app
from services.intake.domain import RegistryEntry
from services.intake.main import create_app as intake_app
from services.intake.registry import load_registry
from services.reporting.main import create_app as reporting_app
from shared.keys import Keys
from shared.privacy import ERASED
from shared.vocabulary import DocumentType
from tests.conftest import running, token_for
from tests.integration.courier_support import eventually

FO = token_for("FO", officer_id="198001012005011001", name="Siti Rahma")
FO_2 = token_for("FO", officer_id="198502022010012002", name="Dewi Lestari")
KASUBBAG = token_for("KASUBBAG_UMUM", officer_id="197503102000031002", name="Budi Santoso")
SEKRETARIS = token_for("SEKRETARIS", officer_id="196812121990032001", name="Dra. Nurhayati")
COURIER = token_for("COURIER", officer_id="kurir-7", name="Andi Kurir")
AUDITOR = token_for("AUDITOR", officer_id="auditor-1", name="Rudi Auditor")

NIK = "1471015708900027"
TYPED = {
    "nik": NIK,
    "name": "Sri Wahyun",
    "address": "Jl. Kaharudin No. 8",
    "phone": "0813-7100-2233",
    "document_type": "KTP_EL",
    "document_number": NIK,  # a KTP-el's number is its holder's NIK
}
RIGHT = {"name": "Sri Wahyuni Lubis", "address": "Jl. Kaharuddin Nasution No. 88, Marpoyan"}


@dataclass
class Office:
    intake: httpx.AsyncClient
    approval: httpx.AsyncClient
    courier: httpx.AsyncClient
    reporting: httpx.AsyncClient


@pytest.fixture
async def office(service_env: dict[str, str]) -> AsyncIterator[Office]:
    async with contextlib.AsyncExitStack() as stack:
        intake = intake_app()
        clients = [
            await stack.enter_async_context(running(app))
            for app in (intake, approval_app(), courier_app(), reporting_app())
        ]
        entry = RegistryEntry(DocumentType.KTP_EL, NIK, NIK, "", True)
        await load_registry(intake.state.context.engine, [entry], office="1471")
        yield Office(*clients)


async def flagged_for_a_typing_error(office: Office) -> str:
    registered = await office.intake.post("/dossiers", json=TYPED, headers=FO)
    assert registered.status_code == 201, registered.text
    dossier_id = str(registered.json()["dossier_id"])
    flagged = await office.intake.post(
        f"/dossiers/{dossier_id}/flags",
        json={"reason": "DATA_ENTRY_ERROR", "note": "nama dan alamat tidak sesuai KTP"},
        headers=FO,
    )
    assert flagged.status_code == 201, flagged.text
    return dossier_id


async def correct(office: Office, dossier_id: str, body: dict[str, Any], who: dict[str, str]):  # type: ignore[no-untyped-def]
    return await office.intake.post(f"/dossiers/{dossier_id}/corrections", json=body, headers=who)


async def handed_over(office: Office) -> str:
    """The recap of the waiting KTP-el, its letter drafted and signed; the letter's id."""
    recap = await eventually(
        lambda: office.intake.post("/recaps", json={"document_type": "KTP_EL"}, headers=FO),
        lambda r: r.status_code == 201,
        "a recap of the corrected dossier",
    )
    recap_id = recap.json()["recap_id"]
    letter = await eventually(
        lambda: office.approval.post("/letters", json={"recap_id": recap_id}, headers=KASUBBAG),
        lambda r: r.status_code == 201,
        "a letter for the recap",
    )
    letter_id = str(letter.json()["letter_id"])
    signed = await office.approval.post(f"/letters/{letter_id}/sign", headers=SEKRETARIS)
    assert signed.status_code == 200, signed.text
    return letter_id


async def test_a_corrected_dossier_goes_out_with_its_corrected_data_everywhere(
    office: Office, redis: Redis, keys: Keys
) -> None:
    dossier_id = await flagged_for_a_typing_error(office)
    corrected = await correct(office, dossier_id, {**RIGHT, "note": "dicek ke KTP"}, FO_2)
    assert corrected.status_code == 201, corrected.text
    assert corrected.json()["fields"] == ["name", "address"]
    assert corrected.json()["status"] == "REGISTERED"
    assert corrected.json()["by"]["officer_id"] == "198502022010012002"

    after = {**FO, "Jasa-Read-After": corrected.headers["Jasa-Log-Position"]}
    seen = await office.intake.get(f"/dossiers/{dossier_id}", headers=after)
    assert seen.json()["status"] == "REGISTERED"
    assert (seen.json()["name"], seen.json()["address"]) == (RIGHT["name"], RIGHT["address"])
    assert seen.json()["phone"] == "+6281371002233"  # not corrected, kept
    found = await office.intake.get("/dossiers", params={"name": "lubis"}, headers=FO)
    assert [d["dossier_id"] for d in found.json()["items"]] == [dossier_id]
    old_name = await office.intake.get("/dossiers", params={"name": "wahyun"}, headers=FO)
    assert old_name.json()["items"] == []

    letter_id = await handed_over(office)
    manifest = await eventually(
        lambda: office.courier.get(f"/handovers/{letter_id}", headers=COURIER),
        lambda r: r.status_code == 200,
        "the manifest",
    )
    [document] = manifest.json()["documents"]
    assert (document["name"], document["address"]) == (RIGHT["name"], RIGHT["address"])
    card = await eventually(
        lambda: office.reporting.get(f"/control-cards/{dossier_id}", headers=AUDITOR),
        lambda r: r.status_code == 200 and r.json()["status"] == "LETTER_SIGNED",
        "the control card",
    )
    assert card.json()["name"] == RIGHT["name"]
    [line] = [step for step in card.json()["steps"] if step["event"] == "DossierCorrected"]
    assert (line["sop_step"], line["officer_name"]) == (1, "Dewi Lestari")
    assert (line["reason"], line["note"]) == ("name,address", "dicek ke KTP")
    [flag] = [step for step in card.json()["steps"] if step["event"] == "DocumentFlagged"]
    assert (flag["reason"], flag["note"]) == (
        "DATA_ENTRY_ERROR",
        "nama dan alamat tidak sesuai KTP",
    )

    stored = b""
    for _, fields in await redis.xrange(keys.log):
        stored += b"\n".join(fields.values())
    assert b"Lubis" not in stored and b"Marpoyan" not in stored and NIK.encode() not in stored
    assert b'"fields":["name","address"]' in stored  # which fields changed is no secret

    erase = ["privacy", "erase", dossier_id, "--officer-id", "auditor-1", "--name", "R", "--yes"]
    result = await asyncio.to_thread(CliRunner().invoke, jasa, erase)
    assert result.exit_code == 0, result.output
    card = await eventually(
        lambda: office.reporting.get(f"/control-cards/{dossier_id}", headers=AUDITOR),
        lambda r: r.json()["name"] == ERASED,
        "the control card erased",
    )
    assert "Lubis" not in card.text and "dicek ke KTP" not in card.text
    manifest = await eventually(
        lambda: office.courier.get(f"/handovers/{letter_id}", headers=COURIER),
        lambda r: r.json()["documents"][0]["name"] == ERASED,
        "the manifest erased",
    )
    assert "Marpoyan" not in manifest.text


async def test_a_correction_is_refused_with_a_reason_and_writes_nothing(office: Office) -> None:
    dossier_id = await flagged_for_a_typing_error(office)
    own = await correct(office, dossier_id, RIGHT, FO)
    assert own.status_code == 409 and "raised by you" in own.json()["detail"]
    same = await correct(office, dossier_id, {"name": TYPED["name"]}, FO_2)
    assert same.status_code == 422 and "changes nothing" in same.json()["errors"][0]["message"]
    bad_phone = await correct(office, dossier_id, {"phone": "021-555-1234"}, FO_2)
    assert bad_phone.status_code == 422
    assert bad_phone.json()["errors"][0]["field"] == "phone"
    nik = await correct(office, dossier_id, {"nik": "1471015708900035"}, FO_2)
    assert nik.status_code == 422 and nik.json()["errors"][0]["field"] == "nik"
    as_courier = await correct(office, dossier_id, RIGHT, COURIER)
    assert as_courier.status_code == 403

    done = await correct(office, dossier_id, RIGHT, FO_2)
    assert done.status_code == 201
    again = await correct(office, dossier_id, {"name": "Sri W. Lubis"}, FO_2)
    assert again.status_code == 409 and "not flagged" in again.json()["detail"]
