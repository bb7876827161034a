"""The reporting service over HTTP with its consumer running: control cards, reports,
the audit pages, who may read what, and the NIK shown only to the auditor."""

import asyncio
import csv
import io
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from sqlmodel import select

from services.reporting.archive import Checkpoint, chain_head
from services.reporting.main import create_app
from shared.db import make_engine, session_factory
from shared.vocabulary import DocumentType
from tests.conftest import running, token_for
from tests.pdf import pdf_text
from tests.sop_history import NIK, Office

T0 = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)  # 08:00 WIB
AUDITOR = token_for("AUDITOR", officer_id="auditor-1", name="Budi Auditor")
KASUBBAG = token_for("KASUBBAG_UMUM", officer_id="kasubbag-1", name="Hendra Saputra")


async def eventually(client: httpx.AsyncClient, path: str, ready: Any) -> httpx.Response:
    """Poll until the projections caught up (they follow the log within moments)."""
    deadline = time.monotonic() + 15
    while True:
        response = await client.get(path, headers=AUDITOR)
        if ready(response):
            return response
        if time.monotonic() > deadline:
            raise AssertionError(f"{path} never became ready: {response.text}")
        await asyncio.sleep(0.05)


async def a_delivered_and_a_returned_file(office: Office) -> tuple[uuid.UUID, uuid.UUID]:
    """Two KTP-el files through the whole SOP at known times; one comes back."""
    at = T0
    delivered = await office.register(at=at)
    returned = await office.register(at=at + timedelta(seconds=10), name="Joko Susilo")
    recap = await office.recap([delivered, returned], at=at + timedelta(seconds=55))
    letter = await office.draft(recap, at=at + timedelta(seconds=145))
    await office.sign(letter, at=at + timedelta(seconds=175))
    await office.accept(letter, at=at + timedelta(seconds=775))
    await office.deliver(delivered, letter, at=at + timedelta(seconds=836))
    await office.return_(returned, letter, at=at + timedelta(seconds=900))
    await office.receive_back(returned, letter, at=at + timedelta(seconds=1000))
    await office.register(at=at + timedelta(days=3))  # another KTP-el, three days later
    return delivered, returned


@pytest.fixture
def standards(monkeypatch: pytest.MonkeyPatch, service_env: dict[str, str]) -> None:
    monkeypatch.setenv("JASA_STEP_STANDARD_SECONDS", '{"4": 3600}')


async def test_the_control_card_shows_who_did_each_step_when_how_long_and_if_late(
    standards: None, office: Office
) -> None:
    delivered, _ = await a_delivered_and_a_returned_file(office)
    async with running(create_app()) as client:
        card = (
            await eventually(
                client,
                f"/control-cards/{delivered}",
                lambda r: r.status_code == 200 and len(r.json()["steps"]) == 6,
            )
        ).json()
    assert card["status"] == "DELIVERED"
    assert card["document_type"] == "KTP_EL"
    steps = [
        (s["sop_step"], s["event"], s["role"], s["at"], s["elapsed_seconds"], s["late"])
        for s in card["steps"]
    ]
    assert steps == [
        (1, "DocumentRegistered", "FO", "2026-11-24T08:00:00+07:00", None, False),
        (1, "RecapCompiled", "FO", "2026-11-24T08:00:55+07:00", 55, False),
        (2, "LetterDrafted", "KASUBBAG_UMUM", "2026-11-24T08:02:25+07:00", 90, True),
        (3, "LetterSigned", "SEKRETARIS", "2026-11-24T08:02:55+07:00", 30, False),
        (4, "HandoverAccepted", "COURIER", "2026-11-24T08:12:55+07:00", 600, False),
        (4, "Delivered", "COURIER", "2026-11-24T08:13:56+07:00", 61, False),
    ]
    assert [s["standard_seconds"] for s in card["steps"]] == [60, 60, 60, 60, 3600, 3600]
    assert card["steps"][2]["officer_name"] == "Hendra Saputra"


async def test_a_rejected_letter_sends_the_files_back_to_recapped(
    service_env: dict[str, str], office: Office
) -> None:
    dossier = await office.register()
    letter = await office.draft(await office.recap([dossier]))
    await office.reject(letter)
    async with running(create_app()) as client:
        card = await eventually(
            client,
            f"/control-cards/{dossier}",
            lambda r: r.status_code == 200 and len(r.json()["steps"]) == 4,
        )
    assert card.json()["status"] == "RECAPPED"
    assert card.json()["steps"][-1]["event"] == "LetterRejected"


async def test_the_card_says_why_a_letter_was_rejected_and_what_its_redraft_fixed(
    service_env: dict[str, str], office: Office
) -> None:
    dossier = await office.register()
    await office.flag(dossier)
    await office.resolve(dossier)
    letter = await office.draft(await office.recap([dossier]))
    await office.reject(letter)
    await office.redraft(letter, "Nomor surat diperbaiki")
    async with running(create_app()) as client:
        card = await eventually(
            client,
            f"/control-cards/{dossier}",
            lambda r: r.status_code == 200 and len(r.json()["steps"]) == 8,
        )
    why = [(s["event"], s["reason"], s["note"]) for s in card.json()["steps"]]
    assert why == [
        ("DocumentRegistered", None, None),
        ("DocumentFlagged", "DATA_ENTRY_ERROR", "nama tidak sesuai"),
        ("FlagResolved", None, "sudah diperbaiki"),
        ("RecapCompiled", None, None),
        ("LetterDrafted", None, None),
        ("LetterRejected", None, "nomor salah"),
        ("LetterDrafted", None, None),
        ("RejectionAddressed", None, "Nomor surat diperbaiki"),
    ]
    assert card.json()["status"] == "LETTER_DRAFTED"
    assert [s["sop_step"] for s in card.json()["steps"]][-3:] == [3, 2, 2]


async def test_only_the_auditor_sees_the_whole_nik(
    service_env: dict[str, str], office: Office
) -> None:
    dossier, _ = await a_delivered_and_a_returned_file(office)
    async with running(create_app()) as client:
        await eventually(client, "/reports/undelivered", lambda r: len(r.json()["items"]) == 1)
        audited = (await client.get(f"/control-cards/{dossier}", headers=AUDITOR)).json()
        masked = (await client.get(f"/control-cards/{dossier}", headers=KASUBBAG)).json()
        listed = (await client.get("/reports/undelivered", headers=KASUBBAG)).json()
    assert audited["nik"] == NIK
    assert masked["nik"] == "147101******0003"
    assert listed["items"][0]["nik"] == "147101******0003"


@pytest.mark.parametrize("role", ["FO", "COURIER"])
async def test_front_office_and_courier_may_read_nothing_here(
    role: str, service_env: dict[str, str]
) -> None:
    headers = token_for(role)
    async with running(create_app()) as client:
        for path in (
            f"/control-cards/{uuid.uuid4()}",
            "/reports/deliveries",
            "/reports/undelivered",
            "/reports/delays",
            "/audit/events",
            "/audit/verify",
        ):
            assert (await client.get(path, headers=headers)).status_code == 403, path


@pytest.mark.parametrize("role", ["KASUBBAG_UMUM", "SEKRETARIS"])
async def test_kasubbag_and_sekretaris_read_cards_and_reports_but_not_the_audit_trail(
    role: str, service_env: dict[str, str]
) -> None:
    headers = token_for(role)
    async with running(create_app()) as client:
        assert (await client.get("/reports/deliveries", headers=headers)).status_code == 200
        assert (await client.get("/reports/delays", headers=headers)).status_code == 200
        assert (await client.get("/audit/events", headers=headers)).status_code == 403
        assert (await client.get("/audit/verify", headers=headers)).status_code == 403
        assert (await client.get("/reports/deliveries")).status_code == 401


async def test_an_unknown_dossier_has_no_card_and_bad_input_is_named(
    service_env: dict[str, str],
) -> None:
    async with running(create_app()) as client:
        missing = await client.get(f"/control-cards/{uuid.uuid4()}", headers=AUDITOR)
        malformed = await client.get("/control-cards/not-a-uuid", headers=AUDITOR)
        bad_date = await client.get("/reports/deliveries?from=24-11-2026", headers=AUDITOR)
        backwards = await client.get(
            "/reports/deliveries?from=2026-11-25&to=2026-11-01", headers=AUDITOR
        )
        bad_format = await client.get("/reports/deliveries?format=xls", headers=AUDITOR)
        bad_after = await client.get("/audit/events?after=yesterday", headers=AUDITOR)
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert malformed.status_code == 422
    assert bad_date.status_code == 422 and bad_date.json()["errors"][0]["field"] == "from"
    assert backwards.status_code == 422 and backwards.json()["errors"][0]["field"] == "to"
    assert bad_format.status_code == 422
    assert bad_after.status_code == 422 and bad_after.json()["errors"][0]["field"] == "after"


async def test_the_delivery_report_counts_the_period_by_type_in_json_csv_and_pdf(
    service_env: dict[str, str], office: Office
) -> None:
    await a_delivered_and_a_returned_file(office)
    await office.register(document_type=DocumentType.KK, at=T0)
    async with running(create_app()) as client:
        await eventually(
            client, "/reports/deliveries", lambda r: r.json()["totals"]["registered"] == 4
        )
        day = "/reports/deliveries?from=2026-11-24&to=2026-11-24"
        report = (await client.get(day, headers=KASUBBAG)).json()
        as_csv = await client.get(day + "&format=csv", headers=KASUBBAG)
        as_pdf = await client.get(day + "&format=pdf", headers=KASUBBAG)
    assert report["period"] == {
        "from": "2026-11-24T00:00:00+07:00",
        "to": "2026-11-25T00:00:00+07:00",
    }
    assert report["by_document_type"]["KTP_EL"] == {
        "registered": 2,
        "in_progress": 0,
        "delivered": 1,
        "returned": 1,
        "received_back": 1,
        "failed_attempts": 0,
    }
    assert report["by_document_type"]["KK"]["in_progress"] == 1
    assert report["by_document_type"]["AKTA"]["registered"] == 0
    assert report["totals"]["registered"] == 3
    assert as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert {row["document_type"]: row["delivered"] for row in rows}["KTP_EL"] == "1"
    assert rows[-1]["document_type"] == "TOTAL" and rows[-1]["registered"] == "3"
    assert as_pdf.headers["content-type"] == "application/pdf"
    text = await asyncio.to_thread(pdf_text, as_pdf.content)
    assert "LAPORAN PENGIRIMAN DOKUMEN" in text
    assert "24 November 2026" in text
    assert "Joko Susilo" in text and "Alamat tidak ditemukan" in text
    assert "Hendra Saputra" in text


async def test_undelivered_lists_returned_files_with_reason_note_time_and_receipt(
    service_env: dict[str, str], office: Office
) -> None:
    _, returned = await a_delivered_and_a_returned_file(office)
    async with running(create_app()) as client:
        listed = await eventually(
            client,
            "/reports/undelivered",
            lambda r: r.json()["items"] and r.json()["items"][0]["received_back"],
        )
    [item] = listed.json()["items"]
    assert item["dossier_id"] == str(returned) and item["name"] == "Joko Susilo"
    assert item["reason"] == "ADDRESS_NOT_FOUND" and item["note"] == "rumah kosong"
    assert item["returned_at"] == "2026-11-24T08:15:00+07:00"
    assert item["received_back_at"] == "2026-11-24T08:16:40+07:00"
    assert listed.json()["next"] is None


async def test_the_delay_report_says_where_files_waited_and_with_whom(
    service_env: dict[str, str], office: Office
) -> None:
    await a_delivered_and_a_returned_file(office)
    async with running(create_app()) as client:
        report = (
            await eventually(
                client,
                "/reports/delays",
                lambda r: any(s["sop_step"] == 5 and s["count"] == 2 for s in r.json()["by_step"]),
            )
        ).json()
    by_step = {s["sop_step"]: s for s in report["by_step"]}
    # step 2: the letter, drafted 90 s after the recap, for both files: both late
    assert by_step[2] == {
        "sop_step": 2,
        "standard_seconds": 60,
        "count": 2,
        "median_seconds": 90.0,
        "p90_seconds": 90.0,
        "late": 2,
    }
    # step 1: the recap came 55 s and 45 s after each registration
    assert (by_step[1]["count"], by_step[1]["median_seconds"], by_step[1]["late"]) == (2, 50.0, 0)
    kasubbag = [o for o in report["by_officer"] if o["role"] == "KASUBBAG_UMUM"]
    assert {(o["sop_step"], o["officer_name"], o["late"]) for o in kasubbag} == {
        (2, "Hendra Saputra", 2),
        (5, "Hendra Saputra", 1),
    }


async def test_the_audit_trail_pages_through_the_archive_and_verifies(
    service_env: dict[str, str], office: Office
) -> None:
    await a_delivered_and_a_returned_file(office)
    positions = [event.position for event in office.appended]
    async with running(create_app()) as client:
        await eventually(
            client, "/audit/events?limit=500", lambda r: len(r.json()["items"]) == len(positions)
        )
        first = (await client.get("/audit/events?limit=4", headers=AUDITOR)).json()
        rest = (await client.get(f"/audit/events?after={first['next']}", headers=AUDITOR)).json()
        verified = (await client.get("/audit/verify", headers=AUDITOR)).json()
    assert [i["position"] for i in first["items"] + rest["items"]] == positions
    assert first["items"][0]["event"]["type"] == "DocumentRegistered"
    assert len(first["items"][0]["chain_hash"]) == 64
    assert rest["next"] is None
    assert verified == {
        "ok": True,
        "events_checked": len(positions),
        "first_bad_position": None,
        "problem": None,
        "kind": None,
        "not_yet_archived": 0,
    }


async def test_the_verification_names_an_entry_whose_type_was_altered(
    service_env: dict[str, str], office: Office, redis: Redis
) -> None:
    await a_delivered_and_a_returned_file(office)
    last = office.appended[-1].position
    signed = next(e for e in office.appended if e.type == "LetterSigned")
    assert last is not None and signed.position is not None
    log = office.log.keys.log
    async with running(create_app()) as client:
        archived = await client.get("/audit/events", headers={**AUDITOR, "Jasa-Read-After": last})
        assert archived.status_code == 200, archived.text
        entries = await redis.xrange(log)
        await redis.delete(log)
        for entry_id, fields in entries:  # the signature's entry now says it is a draft
            if entry_id.decode() == signed.position:
                fields = {**fields, b"type": b"LetterDrafted"}
            await redis.xadd(log, fields, id=entry_id)
        verified = (await client.get("/audit/verify", headers=AUDITOR)).json()
    assert verified["ok"] is False
    assert verified["first_bad_position"] == signed.position
    assert verified["kind"] == "changed"


async def test_stopping_the_service_seals_the_archive_with_a_checkpoint(
    service_env: dict[str, str], office: Office
) -> None:
    await a_delivered_and_a_returned_file(office)
    app = create_app()
    async with running(app) as client:
        await eventually(client, "/audit/events?limit=500", lambda r: len(r.json()["items"]) == 10)
    engine = make_engine(app.state.context.settings.resolved_database_url())
    async with session_factory(engine)() as session:
        head = await chain_head(session, "1471")
        checkpoints = (await session.exec(select(Checkpoint))).all()
    await engine.dispose()
    assert [(c.count, c.position) for c in checkpoints] == [(10, head.position)]
