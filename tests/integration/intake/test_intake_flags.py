"""Flags: holding a dossier back until the responsible division has put it right."""

import uuid

import pytest

from services.intake.main import create_app
from shared.vocabulary import DocumentType
from tests.conftest import running
from tests.integration.intake.conftest import AUDITOR, COURIER, FO, FO_2, KASUBBAG, Desk

FO_OFFICER_ID = "198001012005011001"  # whose token FO is


async def test_a_registered_dossier_is_flagged_and_then_resolved(desk: Desk) -> None:
    dossier = await desk.registered_and_seen()
    path = f"/dossiers/{dossier['dossier_id']}/flags"
    flagged = await desk.client.post(
        path, json={"reason": "DATA_ENTRY_ERROR", "note": "alamat salah ketik"}, headers=FO
    )
    assert flagged.status_code == 201, flagged.text
    assert flagged.json()["status"] == "FLAGGED"
    seen = await desk.seen(dossier["dossier_id"], lambda d: d["status"] == "FLAGGED")
    assert (seen["flag_reason"], seen["flag_note"]) == ("DATA_ENTRY_ERROR", "alamat salah ketik")

    resolved = await desk.client.post(f"{path}/resolve", json={"note": "sudah"}, headers=FO_2)
    assert resolved.status_code == 200, resolved.text
    seen = await desk.seen(dossier["dossier_id"], lambda d: d["status"] == "REGISTERED")
    assert seen["flagged"] is False and seen["flag_reason"] is None
    assert [e.type for e in await desk.log()] == [
        "DocumentRegistered",
        "DocumentFlagged",
        "FlagResolved",
    ]


async def test_an_unsigned_document_stays_flagged_while_the_registry_lists_it_unsigned(
    desk: Desk,
) -> None:
    _, dossier = await desk.unsigned_and_seen()
    path = f"/dossiers/{dossier['dossier_id']}/flags/resolve"
    response = await desk.client.post(path, json={"note": "sudah ditandatangani"}, headers=FO_2)
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    detail = response.json()["detail"]
    assert "the population registry still lists KTP_EL" in detail and "as unsigned" in detail
    assert "jasa registry load" in detail
    assert [e.type for e in await desk.log()] == ["DocumentRegistered", "DocumentFlagged"]
    assert (await desk.seen(dossier["dossier_id"]))["status"] == "FLAGGED"


async def test_an_unsigned_document_is_released_once_the_registry_lists_it_signed(
    desk: Desk,
) -> None:
    entry, dossier = await desk.unsigned_and_seen()
    path = f"/dossiers/{dossier['dossier_id']}/flags/resolve"
    refused = await desk.client.post(path, json={"note": "sudah"}, headers=FO_2)
    assert refused.status_code == 409
    await desk.signed_in_registry(entry)
    response = await desk.client.post(path, json={"note": "sudah ditandatangani"}, headers=FO_2)
    assert response.status_code == 200, response.text
    await desk.seen(dossier["dossier_id"], lambda d: d["status"] == "REGISTERED")


async def test_the_fo_who_raised_a_flag_cannot_resolve_it(desk: Desk) -> None:
    dossier = await desk.registered_and_seen()
    path = f"/dossiers/{dossier['dossier_id']}/flags"
    raised = await desk.client.post(
        path, json={"reason": "OTHER", "note": "foto buram"}, headers=FO
    )
    assert raised.status_code == 201, raised.text
    response = await desk.client.post(f"{path}/resolve", json={"note": "sudah"}, headers=FO)
    assert response.status_code == 409
    assert response.json()["detail"] == (
        f"the flag on dossier {dossier['dossier_id']} was raised by you (officer "
        f"{FO_OFFICER_ID}); in this office the officer who raised a flag cannot also resolve "
        "it; another FO resolves it"
    )
    assert [e.type for e in await desk.log()] == ["DocumentRegistered", "DocumentFlagged"]


async def test_the_fo_who_registered_an_unsigned_document_cannot_resolve_its_flag(
    desk: Desk,
) -> None:
    entry, dossier = await desk.unsigned_and_seen()
    await desk.signed_in_registry(entry)
    path = f"/dossiers/{dossier['dossier_id']}/flags/resolve"
    response = await desk.client.post(path, json={"note": "sudah"}, headers=FO)
    assert response.status_code == 409
    assert "was raised by you" in response.json()["detail"]


async def test_an_office_that_relaxes_the_rule_lets_the_fo_resolve_their_own_flag(
    service_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JASA_RELAXED_DUTIES", '{"1471": ["resolve-own-flag"]}')
    app = create_app()
    async with running(app) as client:
        desk = Desk(app, client)
        dossier = await desk.registered_and_seen()
        path = f"/dossiers/{dossier['dossier_id']}/flags"
        raised = await client.post(path, json={"reason": "OTHER"}, headers=FO)
        assert raised.status_code == 201, raised.text
        response = await client.post(f"{path}/resolve", json={"note": "sudah"}, headers=FO)
        assert response.status_code == 200, response.text
        await desk.seen(dossier["dossier_id"], lambda d: d["status"] == "REGISTERED")


async def test_a_relaxed_office_still_asks_the_registry_about_an_unsigned_document(
    service_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JASA_RELAXED_DUTIES", '{"1471": ["resolve-own-flag"]}')
    app = create_app()
    async with running(app) as client:
        desk = Desk(app, client)
        entry, dossier = await desk.unsigned_and_seen()
        path = f"/dossiers/{dossier['dossier_id']}/flags/resolve"
        refused = await client.post(path, json={"note": "sudah"}, headers=FO)
        assert refused.status_code == 409 and "as unsigned" in refused.json()["detail"]
        await desk.signed_in_registry(entry)
        resolved = await client.post(path, json={"note": "sudah"}, headers=FO)
        assert resolved.status_code == 200, resolved.text


async def test_a_flagged_dossier_cannot_be_flagged_again(desk: Desk) -> None:
    dossier = await desk.registered_and_seen(signed=False)
    response = await desk.client.post(
        f"/dossiers/{dossier['dossier_id']}/flags", json={"reason": "OTHER"}, headers=FO
    )
    assert response.status_code == 409
    assert "already flagged" in response.json()["detail"]
    assert len(await desk.log()) == 2


async def test_a_dossier_without_a_flag_cannot_be_resolved(desk: Desk) -> None:
    dossier = await desk.registered_and_seen()
    response = await desk.client.post(
        f"/dossiers/{dossier['dossier_id']}/flags/resolve", json={"note": ""}, headers=FO
    )
    assert response.status_code == 409
    assert "not flagged" in response.json()["detail"]


async def test_a_dossier_in_a_recap_cannot_be_flagged(desk: Desk) -> None:
    dossier = await desk.registered_and_seen(DocumentType.AKTA)
    recap = await desk.client.post("/recaps", json={"document_type": "AKTA"}, headers=FO)
    assert recap.status_code == 201, recap.text
    response = await desk.client.post(
        f"/dossiers/{dossier['dossier_id']}/flags", json={"reason": "OTHER"}, headers=FO
    )
    assert response.status_code == 409
    assert "already in a recap" in response.json()["detail"]


async def test_flagging_an_unknown_dossier_is_a_404(desk: Desk) -> None:
    response = await desk.client.post(
        f"/dossiers/{uuid.uuid4()}/flags", json={"reason": "OTHER"}, headers=FO
    )
    assert response.status_code == 404
    response = await desk.client.post(
        f"/dossiers/{uuid.uuid4()}/flags/resolve", json={"note": ""}, headers=FO
    )
    assert response.status_code == 404
    assert await desk.log() == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reason": "LOST"}, "reason"),
        ({}, "reason"),
        ({"reason": "OTHER", "note": "a\x00b"}, "note"),
        ({"reason": "OTHER", "note": "n" * 501}, "note"),
    ],
)
async def test_a_bad_flag_is_a_422_naming_the_field(
    desk: Desk, body: dict[str, object], field: str
) -> None:
    dossier = await desk.registered_and_seen()
    response = await desk.client.post(
        f"/dossiers/{dossier['dossier_id']}/flags", json=body, headers=FO
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field
    assert len(await desk.log()) == 1


async def test_a_dossier_id_that_is_not_a_uuid_is_a_422(desk: Desk) -> None:
    response = await desk.client.post("/dossiers/abc/flags", json={"reason": "OTHER"}, headers=FO)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "dossier_id"


@pytest.mark.parametrize("headers", [KASUBBAG, COURIER, AUDITOR, {}])
async def test_only_the_fo_flags(desk: Desk, headers: dict[str, str]) -> None:
    dossier = await desk.registered_and_seen()
    response = await desk.client.post(
        f"/dossiers/{dossier['dossier_id']}/flags", json={"reason": "OTHER"}, headers=headers
    )
    assert response.status_code == (401 if not headers else 403)
    assert len(await desk.log()) == 1
