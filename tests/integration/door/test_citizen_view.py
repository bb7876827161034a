"""What the citizen sees of their document, with the four services in process on one Redis:
the tracking code and receipt at registration, the public tracking page, the messages sent,
and what erasure leaves of it all."""

import json
import re
from pathlib import Path
from typing import Any

import httpx
from redis.asyncio import Redis

from shared.log import EventLog
from shared.privacy import ERASED
from tests.door_support import photo, photo_files, receipt_code
from tests.integration.courier_support import eventually
from tests.integration.test_erasure import (
    AUDITOR,
    COURIER,
    FO,
    JOKO,
    KASUBBAG,
    SEKRETARIS,
    SRI,
    Office,
    Person,
    register,
    run_jasa,
)
from tests.pdf import pdf_text

JSON = {"Accept": "application/json"}
HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}  # as a browser asks
CODE = re.compile(r"[0-9A-HJKMNP-TV-Z]{12}")


async def handed_to_the_courier(office: Office) -> tuple[dict[str, Any], dict[str, Any]]:
    """Sri and Joko registered and their KTP-el taken over by the courier; their answers."""
    sri = (await register(office, SRI, SRI.nik, "sri-1")).json()
    joko = (await register(office, JOKO, JOKO.nik, "joko-1")).json()
    for dossier in (sri, joko):
        await eventually(
            lambda d=dossier["dossier_id"]: office.intake.get(f"/dossiers/{d}", headers=FO),
            lambda r: r.status_code == 200,
            "the registration in intake's read model",
        )
    recap = await office.intake.post("/recaps", json={"document_type": "KTP_EL"}, headers=FO)
    recap_id = recap.json()["recap_id"]
    await eventually(
        lambda: office.approval.get("/recaps?status=AWAITING_LETTER", headers=KASUBBAG),
        lambda r: any(item["recap_id"] == recap_id for item in r.json()["items"]),
        "the recap in approval",
    )
    letter = await office.approval.post("/letters", json={"recap_id": recap_id}, headers=KASUBBAG)
    letter_id = letter.json()["letter_id"]
    await office.approval.post(f"/letters/{letter_id}/sign", headers=SEKRETARIS)
    await eventually(
        lambda: office.courier.get(f"/handovers/{letter_id}", headers=COURIER),
        lambda r: r.status_code == 200 and len(r.json()["documents"]) == 2,
        "the ready handover with its manifest",
    )
    accepted = await office.courier.post(f"/handovers/{letter_id}/accept", headers=COURIER)
    assert accepted.status_code == 200, accepted.text
    return sri, joko


async def courier_post(office: Office, path: str, **kwargs: Any) -> httpx.Response:
    answer = await office.courier.post(path, headers=COURIER, **kwargs)
    assert answer.status_code in (200, 201), answer.text
    return answer


async def tracked(office: Office, code: str, until: str) -> httpx.Response:
    return await eventually(
        lambda: office.reporting.get(f"/lacak/{code}", headers=JSON),
        lambda r: r.status_code == 200 and r.json()["status"] == until,
        f"the tracking page showing {until}",
    )


def sent_messages(data_dir: Path) -> list[dict[str, Any]]:
    path = data_dir / "notifications.jsonl"
    lines = path.read_text().splitlines() if path.exists() else []
    return [json.loads(line) for line in lines]


def traces_of(person: Person) -> list[str]:
    return [trace.decode() for trace in person.traces()]


async def test_the_tracking_page_shows_the_journey_and_leaks_no_personal_data(
    office: Office, event_log: EventLog, redis: Redis, data_dir: Path
) -> None:
    sri, joko = await handed_to_the_courier(office)
    assert CODE.fullmatch(sri["tracking_code"]) and CODE.fullmatch(joko["tracking_code"])
    assert sri["tracking_code"] != joko["tracking_code"]
    receipt = await office.intake.get(f"/dossiers/{sri['dossier_id']}/receipt.pdf", headers=FO)
    assert receipt.headers["content-type"] == "application/pdf"
    printed = pdf_text(receipt.content)
    shown_code = "-".join(re.findall("....", sri["tracking_code"]))
    assert "TANDA TERIMA" in printed and shown_code in printed and SRI.name in printed
    assert f"/lacak/{sri['tracking_code']}" in printed.replace("\n", "")
    assert SRI.nik not in printed

    # Sri: not home twice, so the document goes back and is received at the office.
    sri_id, joko_id = sri["dossier_id"], joko["dossier_id"]
    await courier_post(
        office, f"/deliveries/{sri_id}/attempts", json={"reason": "RECIPIENT_NOT_HOME"}
    )
    await courier_post(office, f"/deliveries/{sri_id}/out-for-delivery")
    await courier_post(
        office,
        f"/deliveries/{sri_id}/attempts",
        json={"reason": "ADDRESS_NOT_FOUND", "note": f"tidak ada {SRI.address}"},
    )
    await courier_post(
        office, f"/deliveries/{sri_id}/returned", json={"reason": "RECIPIENT_NOT_HOME"}
    )
    received = await office.courier.post(f"/returns/{sri_id}/receive", headers=KASUBBAG)
    assert received.status_code == 200, received.text
    # Joko: out for delivery, and he gives the code he was sent.
    await courier_post(office, f"/deliveries/{joko_id}/out-for-delivery")
    code = await receipt_code(event_log, redis, joko_id)
    await courier_post(office, f"/deliveries/{joko_id}/delivered", json={"receipt_code": code})

    sri_page = (await tracked(office, sri["tracking_code"], "RECEIVED_BACK")).json()
    assert sri_page["document_name"] == "KTP Elektronik"
    assert [step["event"] for step in sri_page["steps"]] == [
        "DocumentRegistered",
        "RecapCompiled",
        "LetterDrafted",
        "LetterSigned",
        "HandoverAccepted",
        "DeliveryAttemptFailed",
        "OutForDelivery",
        "DeliveryAttemptFailed",
        "Returned",
        "ReturnReceived",
    ]
    assert all(
        step["at"].endswith("+07:00") and "WIB" in step["at_text"] for step in sri_page["steps"]
    )
    assert [(a["attempt"], a["reason"]) for a in sri_page["attempts"]] == [
        (1, "RECIPIENT_NOT_HOME"),
        (2, "ADDRESS_NOT_FOUND"),
    ]
    assert sri_page["collect"]["ready"] is True
    assert "Sudirman" in sri_page["collect"]["address"]
    joko_page = (await tracked(office, joko["tracking_code"], "DELIVERED")).json()
    assert joko_page["steps"][-1]["label"] == "Dokumen telah diterima"
    assert joko_page["collect"] is None

    pages = [
        (await office.reporting.get(f"/lacak/{person['tracking_code']}", headers=accept)).text
        for person in (sri, joko)
        for accept in (JSON, HTML)
    ]
    html = pages[1]
    assert '<html lang="id">' in html and "Perjalanan dokumen" in html
    assert "http://" not in html.replace('action="/lacak"', "") and "https://" not in html
    officers = ["Siti Rahma", "Budi Santoso", "Nurhayati", "Andi Kurir", "kurir-7"]
    for text in pages:
        for trace in [*traces_of(SRI), *traces_of(JOKO), *officers, code]:
            assert trace not in text, trace

    # The citizen heard of each step once: registration, out for delivery, delivered, returned.
    async def sent() -> list[dict[str, Any]]:
        return sent_messages(data_dir)

    messages = await eventually(
        sent,
        lambda sent: len(sent) == 6,
        "six messages sent",
    )
    by_person = {
        phone: sorted(m["kind"] for m in messages if m["to"] == phone)
        for phone in (SRI.e164, JOKO.e164)
    }
    assert by_person == {
        SRI.e164: ["out_for_delivery", "registered", "returned"],
        JOKO.e164: ["delivered", "out_for_delivery", "registered"],
    }
    joko_code_message = next(
        m for m in messages if m["to"] == JOKO.e164 and m["kind"] == "out_for_delivery"
    )
    assert f"Kode terima: {code}" in joko_code_message["text"]
    sri_returned = next(m for m in messages if m["to"] == SRI.e164 and m["kind"] == "returned")
    assert "Silakan ambil di" in sri_returned["text"] and "08.00" in sri_returned["text"]
    assert len({m["id"] for m in messages}) == 6


async def test_an_unknown_code_is_not_found_as_json_and_as_a_page(office: Office) -> None:
    for code in ("K7MW3QXP9RHT", "bukan-kode", "0" * 12):
        as_json = await office.reporting.get(f"/lacak/{code}", headers=JSON)
        as_page = await office.reporting.get(f"/lacak/{code}", headers=HTML)
        assert as_json.status_code == as_page.status_code == 404
        assert as_json.headers["content-type"] == "application/problem+json"
        assert "tidak ditemukan" in as_page.text and '<html lang="id">' in as_page.text


async def test_erasure_removes_the_photo_and_empties_the_tracking_page_while_the_audit_holds(
    office: Office, data_dir: Path
) -> None:
    sri, joko = await handed_to_the_courier(office)
    joko_id = joko["dossier_id"]
    taken = photo()
    await courier_post(
        office,
        f"/deliveries/{joko_id}/delivered",
        data={"recipient_name": "Sari", "relationship": "FAMILY"},
        files={"photo": ("serah.jpg", taken, "image/jpeg")},
    )
    shown = await eventually(
        lambda: office.courier.get(f"/deliveries/{joko_id}/photo", headers=AUDITOR),
        lambda r: r.status_code == 200,
        "the photo proof for the auditor",
    )
    assert shown.content == taken and len(photo_files(data_dir)) == 1
    await tracked(office, joko["tracking_code"], "DELIVERED")

    erased = await run_jasa("privacy", "erase", joko_id, "--yes")
    assert erased.exit_code == 0, erased.output
    assert "photo proofs of its delivery are deleted" in erased.output
    assert photo_files(data_dir) == []
    gone = await office.courier.get(f"/deliveries/{joko_id}/photo", headers=AUDITOR)
    assert gone.status_code == 404
    await eventually(
        lambda: office.reporting.get(f"/lacak/{joko['tracking_code']}", headers=JSON),
        lambda r: r.status_code == 404,
        "the erased dossier's tracking page gone",
    )
    page = await office.reporting.get(f"/lacak/{joko['tracking_code']}", headers=HTML)
    assert page.status_code == 404 and JOKO.name not in page.text
    still = await office.reporting.get(f"/lacak/{sri['tracking_code']}", headers=JSON)
    assert still.status_code == 200  # only Joko was erased
    card = await eventually(
        lambda: office.reporting.get(f"/control-cards/{joko_id}", headers=AUDITOR),
        lambda r: r.json()["name"] == ERASED,
        "the control card erased",
    )
    assert card.json()["status"] == "DELIVERED"

    verified = await run_jasa("audit", "verify")
    assert verified.exit_code == 0, verified.output
    replayed = await run_jasa("audit", "replay")
    assert replayed.exit_code == 0, replayed.output
