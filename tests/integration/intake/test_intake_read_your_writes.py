"""The FO sees their own writes: a recap compiled right after the registrations holds them
all, and a read given a command's log position shows that command's effect."""

import asyncio

import pytest

from services.intake.domain import RegistryEntry
from services.intake.main import create_app
from shared.vocabulary import DocumentType
from tests.conftest import running
from tests.integration.intake.conftest import FO, Desk


async def test_recaps_compiled_right_after_the_registrations_hold_every_one_of_them(
    desk: Desk,
) -> None:
    ktp = [await desk.in_registry(DocumentType.KTP_EL) for _ in range(20)]
    kk = [await desk.in_registry(DocumentType.KK) for _ in range(5)]
    registered = await asyncio.gather(*(desk.register(entry) for entry in ktp + kk))

    ktp_recap, kk_recap = await asyncio.gather(
        desk.client.post("/recaps", json={"document_type": "KTP_EL"}, headers=FO),
        desk.client.post("/recaps", json={"document_type": "KK"}, headers=FO),
    )

    assert ktp_recap.status_code == 201, ktp_recap.text
    assert kk_recap.status_code == 201, kk_recap.text
    ids = [d["dossier_id"] for d in registered]
    assert sorted(ktp_recap.json()["dossier_ids"]) == sorted(ids[:20])
    assert sorted(kk_recap.json()["dossier_ids"]) == sorted(ids[20:])


async def test_a_registration_answers_with_the_log_position_of_its_event(desk: Desk) -> None:
    dossier_id, position = await registered_with_position(desk, await desk.in_registry())
    [event] = await desk.log()
    assert str(event.data.dossier_id) == dossier_id
    assert position == event.position


async def test_a_dossier_read_after_its_registration_is_shown_at_once(desk: Desk) -> None:
    dossier_id, position = await registered_with_position(desk, await desk.in_registry())
    read_after = {**FO, "Jasa-Read-After": position}

    one = await desk.client.get(f"/dossiers/{dossier_id}", headers=read_after)
    listed = await desk.client.get("/dossiers", params={"limit": 500}, headers=read_after)

    assert one.status_code == 200, one.text
    assert one.json()["status"] == "REGISTERED"
    assert dossier_id in [d["dossier_id"] for d in listed.json()["items"]]


async def test_a_flag_read_after_its_position_shows_the_dossier_flagged(desk: Desk) -> None:
    dossier_id, registered_at = await registered_with_position(desk, await desk.in_registry())
    flag = await desk.client.post(
        f"/dossiers/{dossier_id}/flags",
        json={"reason": "OTHER", "note": "foto buram"},
        headers={**FO, "Jasa-Read-After": registered_at},
    )
    assert flag.status_code == 201, flag.text

    shown = await desk.client.get(
        f"/dossiers/{dossier_id}",
        headers={**FO, "Jasa-Read-After": flag.headers["Jasa-Log-Position"]},
    )
    assert shown.json()["status"] == "FLAGGED"
    assert shown.json()["flag_note"] == "foto buram"


async def test_a_retried_registration_answers_with_the_first_position(desk: Desk) -> None:
    entry = await desk.in_registry()
    headers = {**FO, "Idempotency-Key": "daftar-rina-1"}
    first, retry = [
        await desk.client.post("/dossiers", json=desk.application(entry), headers=headers)
        for _ in range(2)
    ]
    assert retry.headers["Idempotent-Replay"] == "true"
    assert retry.headers["Jasa-Log-Position"] == first.headers["Jasa-Log-Position"]


async def test_a_read_after_a_write_the_read_model_has_not_applied_is_a_503(
    service_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JASA_READ_WAIT_S", "0.3")
    app = create_app()
    async with running(app) as client:
        desk = Desk(app, client)
        await app.state.context.consumers["1471"].stop()  # the read model stands still
        _, position = await registered_with_position(desk, await desk.in_registry())
        response = await client.get("/dossiers", headers={**FO, "Jasa-Read-After": position})

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["Retry-After"]) > 0
    assert f"has not yet applied log position {position}" in response.json()["detail"]


async def test_a_recap_while_the_read_model_stands_still_is_a_503_and_compiles_nothing(
    service_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JASA_READ_WAIT_S", "0.3")
    app = create_app()
    async with running(app) as client:
        desk = Desk(app, client)
        await desk.registered_and_seen(DocumentType.KIA)
        await app.state.context.consumers["1471"].stop()
        await desk.register(await desk.in_registry(DocumentType.KIA))
        response = await client.post("/recaps", json={"document_type": "KIA"}, headers=FO)
        events = await desk.log()

    assert response.status_code == 503
    assert "RecapCompiled" not in [event.type for event in events]


@pytest.mark.parametrize(
    "position", ["latest", "1764000000000", "1764000000000-0-1", "-1-0", "18446744073709551616-0"]
)
async def test_a_read_after_something_not_a_position_is_a_422_naming_the_header(
    desk: Desk, position: str
) -> None:
    response = await desk.client.get("/dossiers", headers={**FO, "Jasa-Read-After": position})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "Jasa-Read-After"


async def registered_with_position(desk: Desk, entry: RegistryEntry) -> tuple[str, str]:
    response = await desk.client.post("/dossiers", json=desk.application(entry), headers=FO)
    assert response.status_code == 201, response.text
    return response.json()["dossier_id"], response.headers["Jasa-Log-Position"]
