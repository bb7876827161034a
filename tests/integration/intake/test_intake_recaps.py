"""Recap lists: every waiting dossier of one type, each in exactly one recap."""

import asyncio
import io
import uuid
from collections import Counter

import pytest
from pypdf import PdfReader

from services.intake import commands
from services.intake.main import create_app
from shared.errors import Conflict
from shared.identity import Officer
from shared.log import ConcurrencyConflict
from shared.masking import mask_document_number
from shared.vocabulary import DocumentType, FlagReason, Role
from tests.conftest import running
from tests.integration.intake.conftest import (
    AUDITOR,
    COURIER,
    FO,
    FO_2,
    KASUBBAG,
    SEKRETARIS,
    Desk,
    eventually,
)

SITI = Officer("198001012005011001", "Siti Rahma", Role.FO, "1471")


async def test_a_recap_takes_every_waiting_unflagged_dossier_of_its_type(desk: Desk) -> None:
    first = await desk.registered_and_seen(DocumentType.KK)
    second = await desk.registered_and_seen(DocumentType.KK)
    unsigned = await desk.registered_and_seen(DocumentType.KK, signed=False)
    other_type = await desk.registered_and_seen(DocumentType.KIA)

    response = await desk.client.post("/recaps", json={"document_type": "KK"}, headers=FO)
    assert response.status_code == 201, response.text
    recap = response.json()
    assert recap["document_type"] == "KK"
    assert set(recap["dossier_ids"]) == {first["dossier_id"], second["dossier_id"]}
    assert recap["compiled_by"]["name"] == "Siti Rahma"
    assert recap["compiled_at"].endswith("+07:00")

    for dossier in (first, second):
        seen = await desk.seen(dossier["dossier_id"], lambda d: d["status"] == "RECAPPED")
        assert seen["recap_id"] == recap["recap_id"]
    assert (await desk.seen(unsigned["dossier_id"]))["status"] == "FLAGGED"
    assert (await desk.seen(other_type["dossier_id"]))["status"] == "REGISTERED"

    shown = await eventually(
        lambda: desk.client.get(f"/recaps/{recap['recap_id']}", headers=KASUBBAG)
    )
    assert shown == recap


async def test_a_recap_of_more_dossiers_than_redis_connections_reads_them_at_once(
    service_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Read one by one at once, fifteen dossiers would want fifteen connections from a pool
    # of six: the seventh command in flight is refused, a 503 no retry gets past.
    monkeypatch.setenv("JASA_REDIS_CONNECTIONS", "6")
    app = create_app()
    async with running(app) as client:
        desk = Desk(app, client)
        waiting = [await desk.register(await desk.in_registry(DocumentType.KIA)) for _ in range(15)]
        for dossier in waiting:
            await desk.seen(dossier["dossier_id"])
        response = await client.post("/recaps", json={"document_type": "KIA"}, headers=FO)
    assert response.status_code == 201, response.text
    assert set(response.json()["dossier_ids"]) == {d["dossier_id"] for d in waiting}


async def test_a_recap_with_nothing_waiting_is_a_409(desk: Desk) -> None:
    response = await desk.client.post("/recaps", json={"document_type": "AKTA"}, headers=FO)
    assert response.status_code == 409
    assert "no registered, unflagged AKTA dossier" in response.json()["detail"]
    assert await desk.log() == []


async def test_a_recapped_dossier_is_never_recapped_again(desk: Desk) -> None:
    await desk.registered_and_seen(DocumentType.KIA)
    assert (
        await desk.client.post("/recaps", json={"document_type": "KIA"}, headers=FO)
    ).status_code == 201
    again = await desk.client.post("/recaps", json={"document_type": "KIA"}, headers=FO)
    assert again.status_code == 409


async def test_a_resolved_flag_lets_the_dossier_into_the_next_recap(desk: Desk) -> None:
    entry, unsigned = await desk.unsigned_and_seen(DocumentType.AKTA)
    await desk.signed_in_registry(entry)
    resolved = await desk.client.post(
        f"/dossiers/{unsigned['dossier_id']}/flags/resolve", json={"note": "ok"}, headers=FO_2
    )
    assert resolved.status_code == 200, resolved.text
    await desk.seen(unsigned["dossier_id"], lambda d: d["status"] == "REGISTERED")
    recap = await desk.client.post("/recaps", json={"document_type": "AKTA"}, headers=FO)
    assert recap.json()["dossier_ids"] == [unsigned["dossier_id"]]


async def test_many_fo_compiling_at_once_put_each_dossier_in_exactly_one_recap(
    desk: Desk,
) -> None:
    dossiers = [await desk.registered_and_seen(DocumentType.KTP_EL) for _ in range(12)]

    async def compile_three_times(n: int) -> list[int]:
        codes = []
        for _ in range(3):
            response = await desk.client.post(
                "/recaps", json={"document_type": "KTP_EL"}, headers=FO if n % 2 else FO_2
            )
            codes.append(response.status_code)
        return codes

    codes = [
        c for batch in await asyncio.gather(*map(compile_three_times, range(8))) for c in batch
    ]
    assert set(codes) <= {201, 409}
    recaps = [e.data for e in await desk.log() if e.type == "RecapCompiled"]
    assert recaps, "at least one compile succeeded"
    placed = Counter(d for recap in recaps for d in recap.dossier_ids)
    assert set(placed.values()) == {1}
    assert {str(d) for d in placed} == {d["dossier_id"] for d in dossiers}
    assert codes.count(201) == len(recaps)


async def test_a_flag_raised_while_a_recap_is_being_compiled_keeps_the_dossier_out(
    desk: Desk,
) -> None:
    dossier = await desk.registered_and_seen(DocumentType.KTP_EL)
    plan = await commands.plan_recap(desk.app.state.context, SITI, DocumentType.KTP_EL)
    await commands.flag_dossier(
        desk.app.state.context, SITI, uuid.UUID(dossier["dossier_id"]), FlagReason.OTHER, "tahan"
    )
    with pytest.raises(ConcurrencyConflict):
        await commands.commit_recap(desk.app.state.context, plan)
    assert "RecapCompiled" not in [e.type for e in await desk.log()]
    again = await desk.client.post("/recaps", json={"document_type": "KTP_EL"}, headers=FO)
    assert again.status_code == 409


async def test_a_flag_racing_a_recap_loses_once_the_recap_is_in(desk: Desk) -> None:
    dossier = await desk.registered_and_seen(DocumentType.KTP_EL)
    context = desk.app.state.context
    before = await commands.load_dossier(context.log, uuid.UUID(dossier["dossier_id"]))
    assert not before.in_recap
    await commands.compile_recap(context, SITI, DocumentType.KTP_EL)
    with pytest.raises(Conflict, match="already in a recap"):
        await commands.flag_dossier(
            context, SITI, uuid.UUID(dossier["dossier_id"]), FlagReason.OTHER, ""
        )


async def test_flags_and_compiles_at_once_never_leave_a_flagged_dossier_in_a_recap(
    desk: Desk,
) -> None:
    dossiers = [await desk.registered_and_seen(DocumentType.KIA) for _ in range(10)]
    flags = [
        desk.client.post(f"/dossiers/{d['dossier_id']}/flags", json={"reason": "OTHER"}, headers=FO)
        for d in dossiers
    ]
    compiles = [
        desk.client.post("/recaps", json={"document_type": "KIA"}, headers=FO_2) for _ in range(5)
    ]
    await asyncio.gather(*flags, *compiles)
    events = await desk.log()
    recapped = {d for e in events if e.type == "RecapCompiled" for d in e.data.dossier_ids}
    flagged = {e.data.dossier_id for e in events if e.type == "DocumentFlagged"}
    assert recapped.isdisjoint(flagged)
    assert recapped | flagged == {uuid.UUID(d["dossier_id"]) for d in dossiers}


# --- reading recaps ---------------------------------------------------------------------------


async def test_the_daftar_rekapan_is_a_pdf_without_the_nik(desk: Desk) -> None:
    entry = await desk.in_registry(DocumentType.KTP_EL)
    dossier = await desk.register(entry)
    await desk.seen(dossier["dossier_id"])
    recap = (await desk.client.post("/recaps", json={"document_type": "KTP_EL"}, headers=FO)).json()
    await eventually(lambda: desk.client.get(f"/recaps/{recap['recap_id']}", headers=FO))
    response = await desk.client.get(f"/recaps/{recap['recap_id']}/pdf", headers=SEKRETARIS)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert mask_document_number(entry.document_number) in text
    assert entry.document_number not in text
    assert entry.nik not in text and dossier["nik"] not in text


async def test_an_unknown_recap_is_a_404(desk: Desk) -> None:
    for path in (f"/recaps/{uuid.uuid4()}", f"/recaps/{uuid.uuid4()}/pdf"):
        assert (await desk.client.get(path, headers=FO)).status_code == 404


async def test_a_recap_of_an_unknown_type_is_a_422(desk: Desk) -> None:
    response = await desk.client.post("/recaps", json={"document_type": "SIM"}, headers=FO)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "document_type"


@pytest.mark.parametrize("headers", [KASUBBAG, SEKRETARIS, COURIER, AUDITOR])
async def test_only_the_fo_compiles_recaps(desk: Desk, headers: dict[str, str]) -> None:
    await desk.registered_and_seen(DocumentType.KK)
    response = await desk.client.post("/recaps", json={"document_type": "KK"}, headers=headers)
    assert response.status_code == 403
    assert len(await desk.log()) == 1


@pytest.mark.parametrize("headers", [COURIER, AUDITOR])
async def test_the_courier_and_the_auditor_do_not_read_recaps_here(
    desk: Desk, headers: dict[str, str]
) -> None:
    response = await desk.client.get(f"/recaps/{uuid.uuid4()}", headers=headers)
    assert response.status_code == 403
