"""Finding dossiers by NIK, name or document number: the read model keeps none of them
searchable, only keyed digests (`intake_search`), and an erased person cannot be found."""

import asyncio
from typing import Any

from sqlmodel import select
from typer.testing import CliRunner

from services.cli import app as jasa
from services.intake.search import IntakeSearchEntry
from shared.vocabulary import DocumentType
from tests.integration.intake.conftest import FO, KASUBBAG, Desk, a_nik, eventually


async def found(desk: Desk, **params: str) -> list[str]:
    response = await desk.client.get("/dossiers", params=params, headers=FO)
    assert response.status_code == 200, response.text
    return [item["dossier_id"] for item in response.json()["items"]]


async def registered_as(desk: Desk, name: str, **entry: Any) -> dict[str, Any]:
    registry = await desk.in_registry(**entry)
    response = await desk.client.post(
        "/dossiers", json=desk.application(registry, name=name), headers=FO
    )
    assert response.status_code == 201, response.text
    dossier = dict(response.json())
    await desk.seen(dossier["dossier_id"])
    return dossier


async def test_a_dossier_is_found_by_its_nik_name_or_document_number(desk: Desk) -> None:
    nik = a_nik(woman=True)
    siti = await registered_as(desk, "Siti Rahma", nik=nik, number=nik)  # a KTP-el: its NIK
    kk = await registered_as(desk, "Siti Nurhaliza", document_type=DocumentType.KK, nik=nik)
    other = await registered_as(desk, "Budi Santoso")
    both = [siti["dossier_id"], kk["dossier_id"]]

    # A NIK typed with separators finds every document of that person.
    spaced = f"{nik[:4]} {nik[4:8]}-{nik[8:12]}.{nik[12:]}"
    assert await found(desk, nik=spaced) == both
    assert await found(desk, q=nik) == both
    # A name by whole words, in any order and case, accents aside.
    assert await found(desk, name="rahma SITI") == [siti["dossier_id"]]
    assert await found(desk, q="Sîti") == both
    assert await found(desk, q="budi") == [other["dossier_id"]]
    assert await found(desk, q="Rahm") == []  # not a word of the name
    # A document number, and the fields together.
    number = (await desk.client.get(f"/dossiers/{kk['dossier_id']}", headers=FO)).json()
    assert number["document_number"].startswith("*")  # shown masked, as ever
    assert await found(desk, name="siti", nik=nik, document_type="KK") == [kk["dossier_id"]]
    assert await found(desk, name="budi", nik=nik) == []


async def test_the_search_index_holds_no_nik_name_or_number_in_clear(desk: Desk) -> None:
    nik = a_nik()
    dossier = await registered_as(desk, "Joko Susilo", nik=nik, number=nik)
    async with desk.app.state.context.sessions() as session:
        rows = (await session.exec(select(IntakeSearchEntry))).all()
    mine = [row for row in rows if str(row.dossier_id) == dossier["dossier_id"]]
    assert len(mine) == 4  # the NIK, the number, two words of the name
    stored = " ".join(f"{row.digest} {row.kind}" for row in mine)
    assert nik not in stored and "joko" not in stored.lower()


async def test_an_erased_person_can_no_longer_be_found(desk: Desk) -> None:
    nik = a_nik()
    dossier = await registered_as(desk, "Dewi Lestari", nik=nik, number=nik)
    assert await found(desk, q=nik) == [dossier["dossier_id"]]
    erase = ["privacy", "erase", dossier["dossier_id"], "--officer-id", "auditor-1"]
    result = await asyncio.to_thread(
        CliRunner().invoke, jasa, [*erase, "--name", "Rudi Auditor", "--yes"]
    )
    assert result.exit_code == 0, result.output
    await eventually(
        lambda: desk.client.get("/dossiers", params={"q": nik}, headers=KASUBBAG),
        lambda page: page["items"] == [],
    )
    assert await found(desk, name="Dewi Lestari") == []
    async with desk.app.state.context.sessions() as session:
        rows = (await session.exec(select(IntakeSearchEntry))).all()
    assert dossier["dossier_id"] not in {str(row.dossier_id) for row in rows}


async def test_a_search_with_nothing_to_search_by_is_a_422_naming_the_field(desk: Desk) -> None:
    for params, field in (
        ({"nik": "1471"}, "nik"),
        ({"name": "!!!"}, "name"),
        ({"q": "x" * 101}, "q"),
    ):
        response = await desk.client.get("/dossiers", params=params, headers=FO)
        assert response.status_code == 422, params
        assert response.json()["errors"][0]["field"] == field
