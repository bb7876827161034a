"""The approval desk through HTTP: a real Redis log, a real SQLite read model, intake's
events appended the way intake appends them."""

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from services.approval.main import create_app
from shared.log import EventLog
from shared.masking import mask_document_number
from tests.approval_support import KASUBBAG, SEKRETARIS, compile_recap, eventually
from tests.conftest import running, token_for
from tests.pdf import pdf_text as text_of_pdf

KASUBBAG_TOKEN = token_for(**KASUBBAG)
SEKRETARIS_TOKEN = token_for(**SEKRETARIS)
# The Kasubbag Umum's own officer id on a Sekretaris's token: one person in both roles.
DRAFTER_AS_SEKRETARIS = token_for(**{**KASUBBAG, "role": "SEKRETARIS"})
NIK = "1471014506900003"  # every registration of tests.factories carries it


@pytest.fixture
async def client(service_env: dict[str, str]) -> AsyncIterator[httpx.AsyncClient]:
    async with running(create_app()) as client:
        yield client


async def awaiting_letter(client: httpx.AsyncClient, recap_id: uuid.UUID) -> dict[str, Any] | None:
    page = await client.get("/recaps?status=AWAITING_LETTER", headers=KASUBBAG_TOKEN)
    return next((r for r in page.json()["items"] if r["recap_id"] == str(recap_id)), None)


async def recap_ready(client: httpx.AsyncClient, log: EventLog) -> uuid.UUID:
    """A recap intake compiled, once approval's projection has seen it."""
    recap_id, _ = await compile_recap(log)
    await eventually(lambda: awaiting_letter(client, recap_id))
    return recap_id


async def draft(client: httpx.AsyncClient, recap_id: uuid.UUID) -> dict[str, Any]:
    response = await client.post(
        "/letters", json={"recap_id": str(recap_id)}, headers=KASUBBAG_TOKEN
    )
    assert response.status_code == 201, response.text
    return response.json()


def pdf_text(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    return text_of_pdf(response.content)


async def drafted_events(log: EventLog) -> list[Any]:
    return [e for e in await log.read() if e.type == "LetterDrafted"]


async def test_a_compiled_recap_awaits_a_letter_with_its_documents_no_nik_and_masked_phones(
    client: httpx.AsyncClient, event_log: EventLog
) -> None:
    recap_id, registrations = await compile_recap(event_log)
    recap = await eventually(lambda: awaiting_letter(client, recap_id))
    assert recap["status"] == "AWAITING_LETTER" and recap["letter_number"] is None
    assert [d["name"] for d in recap["documents"]] == [e.data.name for e in registrations]
    assert recap["documents"][0]["phone"] == "+62812*****890"
    listing = await client.get("/recaps?status=AWAITING_LETTER", headers=SEKRETARIS_TOKEN)
    assert NIK not in listing.text and "nik" not in listing.text


async def test_drafting_gives_the_first_number_of_the_year_and_the_recap_moves_on(
    client: httpx.AsyncClient, event_log: EventLog
) -> None:
    recap_id = await recap_ready(client, event_log)
    letter = await draft(client, recap_id)
    year = letter["drafted_at"][:4]
    assert letter["letter_number"] == f"470/Dukcapil-PDIP/0001/{year}"
    assert letter["status"] == "AWAITING_SIGNATURE" and letter["recap_id"] == str(recap_id)
    assert letter["drafted_by"] == {"officer_id": KASUBBAG["officer_id"], "name": "Budi Santoso"}
    assert letter["drafted_at"].endswith("+07:00")
    assert (
        await client.get(f"/letters/{letter['letter_id']}", headers=SEKRETARIS_TOKEN)
    ).json() == letter

    async def drafted_recap() -> dict[str, Any] | None:
        page = await client.get("/recaps?status=LETTER_DRAFTED", headers=KASUBBAG_TOKEN)
        return next((r for r in page.json()["items"] if r["recap_id"] == str(recap_id)), None)

    recap = await eventually(drafted_recap)
    assert recap["letter_number"] == letter["letter_number"]
    assert await awaiting_letter(client, recap_id) is None
    [event] = await drafted_events(event_log)
    assert event.actor.name == "Budi Santoso" and event.stream_id == f"letter-register-{year}"


async def test_a_recap_approval_has_not_seen_cannot_get_a_letter(
    client: httpx.AsyncClient, event_log: EventLog
) -> None:
    response = await client.post(
        "/letters", json={"recap_id": str(uuid.uuid4())}, headers=KASUBBAG_TOKEN
    )
    assert response.status_code == 404
    assert "no recap" in response.json()["detail"]
    assert await drafted_events(event_log) == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "recap_id"),
        ({"recap_id": "rekap-1"}, "recap_id"),
        ({"recap_id": str(uuid.uuid4()), "x": 1}, "x"),
    ],
)
async def test_a_draft_request_must_name_a_recap(
    client: httpx.AsyncClient, body: dict[str, Any], field: str
) -> None:
    response = await client.post("/letters", json=body, headers=KASUBBAG_TOKEN)
    assert response.status_code == 422
    assert field in [e["field"] for e in response.json()["errors"]]


async def test_a_recap_with_a_letter_awaiting_signature_gets_no_second_letter(
    client: httpx.AsyncClient, event_log: EventLog
) -> None:
    recap_id = await recap_ready(client, event_log)
    first = await draft(client, recap_id)
    again = await client.post("/letters", json={"recap_id": str(recap_id)}, headers=KASUBBAG_TOKEN)
    assert again.status_code == 409
    assert first["letter_number"] in again.json()["detail"]
    assert len(await drafted_events(event_log)) == 1


async def test_a_retried_draft_with_the_same_idempotency_key_gives_the_same_letter_once(
    client: httpx.AsyncClient, event_log: EventLog
) -> None:
    recap_id = await recap_ready(client, event_log)
    headers = {**KASUBBAG_TOKEN, "Idempotency-Key": "draft-1"}
    first = await client.post("/letters", json={"recap_id": str(recap_id)}, headers=headers)
    retry = await client.post("/letters", json={"recap_id": str(recap_id)}, headers=headers)
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert len(await drafted_events(event_log)) == 1


async def test_the_sekretaris_signs_a_letter_once(
    client: httpx.AsyncClient, event_log: EventLog
) -> None:
    letter = await draft(client, await recap_ready(client, event_log))
    signed = await client.post(f"/letters/{letter['letter_id']}/sign", headers=SEKRETARIS_TOKEN)
    assert signed.status_code == 200, signed.text
    assert signed.json()["status"] == "SIGNED"
    assert signed.json()["signed_by"]["name"] == "Dra. Hj. Nurhayati"
    again = await client.post(f"/letters/{letter['letter_id']}/sign", headers=SEKRETARIS_TOKEN)
    assert again.status_code == 409 and "already signed" in again.json()["detail"]
    rejected = await client.post(
        f"/letters/{letter['letter_id']}/reject",
        json={"reason": "terlambat"},
        headers=SEKRETARIS_TOKEN,
    )
    assert rejected.status_code == 409 and "cannot be rejected" in rejected.json()["detail"]
    assert [e.type for e in await event_log.read()].count("LetterSigned") == 1

    async def signed_listed() -> list[Any]:
        page = await client.get("/letters?status=SIGNED", headers=KASUBBAG_TOKEN)
        return page.json()["items"]

    [listed] = await eventually(signed_listed)
    assert (
        listed["letter_id"] == letter["letter_id"]
        and listed["signed_by"]["name"] == "Dra. Hj. Nurhayati"
    )


@pytest.mark.parametrize("step", ["sign", "reject"])
async def test_the_kasubbag_who_drafted_a_letter_cannot_sign_or_reject_it_as_sekretaris(
    client: httpx.AsyncClient, event_log: EventLog, step: str
) -> None:
    letter = await draft(client, await recap_ready(client, event_log))
    refused = await client.post(
        f"/letters/{letter['letter_id']}/{step}",
        json={"reason": "lampiran kurang"},
        headers=DRAFTER_AS_SEKRETARIS,
    )
    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["detail"] == (
        f"letter {letter['letter_number']} was drafted by you (officer "
        f"{KASUBBAG['officer_id']}); the officer who drafted a letter cannot also {step} it; "
        "another Sekretaris signs or rejects it"
    )
    assert [e.type for e in await event_log.read()][-1] == "LetterDrafted"
    signed = await client.post(f"/letters/{letter['letter_id']}/sign", headers=SEKRETARIS_TOKEN)
    assert signed.status_code == 200, signed.text


async def test_an_office_that_relaxes_the_rule_lets_the_drafter_sign(
    service_env: dict[str, str], event_log: EventLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JASA_RELAXED_DUTIES", '{"1471": ["sign-own-draft"]}')
    async with running(create_app()) as client:
        letter = await draft(client, await recap_ready(client, event_log))
        signed = await client.post(
            f"/letters/{letter['letter_id']}/sign", headers=DRAFTER_AS_SEKRETARIS
        )
    assert signed.status_code == 200, signed.text
    assert signed.json()["signed_by"]["officer_id"] == KASUBBAG["officer_id"]


async def test_a_rejected_letter_can_be_drafted_again_with_a_new_number(
    client: httpx.AsyncClient, event_log: EventLog
) -> None:
    recap_id = await recap_ready(client, event_log)
    first = await draft(client, recap_id)
    rejected = await client.post(
        f"/letters/{first['letter_id']}/reject",
        json={"reason": "  Nama pemohon no. 2 salah ketik  "},
        headers=SEKRETARIS_TOKEN,
    )
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["status"] == "REJECTED"
    assert rejected.json()["reason"] == "Nama pemohon no. 2 salah ketik"
    sign = await client.post(f"/letters/{first['letter_id']}/sign", headers=SEKRETARIS_TOKEN)
    assert sign.status_code == 409 and "was rejected" in sign.json()["detail"]
    await eventually(lambda: awaiting_letter(client, recap_id))

    second = await draft(client, recap_id)
    assert second["letter_id"] != first["letter_id"]
    assert second["letter_number"].split("/")[2] == "0002"

    async def rejected_listed() -> list[Any]:
        page = await client.get("/letters?status=REJECTED", headers=SEKRETARIS_TOKEN)
        return page.json()["items"]

    [listed] = await eventually(rejected_listed)
    assert listed["letter_id"] == first["letter_id"]


async def test_a_redraft_says_what_it_fixed_for_the_rejection_on_the_letter_and_its_paper(
    client: httpx.AsyncClient, event_log: EventLog
) -> None:
    recap_id = await recap_ready(client, event_log)
    nothing_to_fix = await client.post(
        "/letters", json={"recap_id": str(recap_id), "fix": "x"}, headers=KASUBBAG_TOKEN
    )
    assert nothing_to_fix.status_code == 422
    assert nothing_to_fix.json()["errors"][0]["field"] == "fix"
    first = await draft(client, recap_id)
    await client.post(
        f"/letters/{first['letter_id']}/reject",
        json={"reason": "Alamat pemohon no. 2 tidak lengkap"},
        headers=SEKRETARIS_TOKEN,
    )
    await eventually(lambda: awaiting_letter(client, recap_id))
    fixed = await client.post(
        "/letters",
        json={"recap_id": str(recap_id), "fix": "Alamat no. 2 dilengkapi dengan RT/RW"},
        headers=KASUBBAG_TOKEN,
    )
    assert fixed.status_code == 201, fixed.text
    fixes = {
        "rejected_letter_number": first["letter_number"],
        "fix": "Alamat no. 2 dilengkapi dengan RT/RW",
    }
    assert fixed.json()["fixes"] == fixes
    letter_id = fixed.json()["letter_id"]
    read = await client.get(f"/letters/{letter_id}", headers=SEKRETARIS_TOKEN)
    assert read.json()["fixes"] == fixes

    async def listed() -> dict[str, Any] | None:
        page = await client.get("/letters?status=AWAITING_SIGNATURE", headers=SEKRETARIS_TOKEN)
        return next((i for i in page.json()["items"] if i["letter_id"] == letter_id), None)

    assert (await eventually(listed))["fixes"] == fixes
    text = pdf_text(await client.get(f"/letters/{letter_id}/pdf", headers=SEKRETARIS_TOKEN))
    assert first["letter_number"] in text and "Alamat pemohon no. 2 tidak lengkap" in text
    assert "Alamat no. 2 dilengkapi dengan RT/RW" in text
    stored = [e for e in await event_log.read() if e.type == "RejectionAddressed"]
    assert stored[0].data.fix.startswith("pii:v1:")  # type: ignore[attr-defined]


@pytest.mark.parametrize("reason", ["", "   ", "salah\x07ketik", "x" * 501])
async def test_a_rejection_needs_a_clean_reason_and_writes_nothing_without_one(
    client: httpx.AsyncClient, event_log: EventLog, reason: str
) -> None:
    letter = await draft(client, await recap_ready(client, event_log))
    response = await client.post(
        f"/letters/{letter['letter_id']}/reject", json={"reason": reason}, headers=SEKRETARIS_TOKEN
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["reason"]
    assert "LetterRejected" not in [e.type for e in await event_log.read()]


async def test_an_unknown_letter_is_not_found(
    client: httpx.AsyncClient, event_log: EventLog
) -> None:
    _, registrations = await compile_recap(event_log)
    for letter_id in (uuid.uuid4(), registrations[0].event_id):  # any id, or another event's
        assert (
            await client.get(f"/letters/{letter_id}", headers=KASUBBAG_TOKEN)
        ).status_code == 404
        assert (
            await client.get(f"/letters/{letter_id}/pdf", headers=KASUBBAG_TOKEN)
        ).status_code == 404
        assert (
            await client.post(f"/letters/{letter_id}/sign", headers=SEKRETARIS_TOKEN)
        ).status_code == 404
        reject = await client.post(
            f"/letters/{letter_id}/reject", json={"reason": "x"}, headers=SEKRETARIS_TOKEN
        )
        assert reject.status_code == 404
    assert (await client.get("/letters/surat-1", headers=KASUBBAG_TOKEN)).status_code == 422


async def test_only_the_right_roles_draft_sign_reject_and_read(
    client: httpx.AsyncClient, event_log: EventLog
) -> None:
    letter = await draft(client, await recap_ready(client, event_log))
    path = f"/letters/{letter['letter_id']}"
    fo, courier = token_for("FO"), token_for("COURIER")
    auditor = token_for("AUDITOR")
    for reader in (KASUBBAG_TOKEN, SEKRETARIS_TOKEN, auditor):
        for url in ("/recaps", "/letters", path, f"{path}/pdf"):
            assert (await client.get(url, headers=reader)).status_code == 200, url
    for outsider in (fo, courier):
        for url in ("/recaps", "/letters", path, f"{path}/pdf"):
            assert (await client.get(url, headers=outsider)).status_code == 403, url
    for role in (SEKRETARIS_TOKEN, fo, courier, auditor):
        response = await client.post(
            "/letters", json={"recap_id": letter["recap_id"]}, headers=role
        )
        assert response.status_code == 403
    for role in (KASUBBAG_TOKEN, fo, courier, auditor):
        assert (await client.post(f"{path}/sign", headers=role)).status_code == 403
        rejected = await client.post(f"{path}/reject", json={"reason": "x"}, headers=role)
        assert rejected.status_code == 403
    assert (await client.get("/recaps")).status_code == 401
    assert (await client.post(f"{path}/sign")).status_code == 401
    bad = {"Authorization": "Bearer not-a-token"}
    assert (await client.get("/letters", headers=bad)).status_code == 401
    assert [e.type for e in await event_log.read()].count("LetterDrafted") == 1
    assert "LetterSigned" not in [e.type for e in await event_log.read()]


async def test_unknown_statuses_and_cursors_are_refused(client: httpx.AsyncClient) -> None:
    for url, field in [
        ("/recaps?status=DONE", "status"),
        ("/letters?status=DONE", "status"),
        ("/letters?limit=0", "limit"),
        ("/letters?cursor=%%%", "cursor"),
    ]:
        response = await client.get(url, headers=KASUBBAG_TOKEN)
        assert response.status_code == 422, url
        assert field in response.json()["detail"]


async def test_letters_come_page_by_page_in_register_order(
    client: httpx.AsyncClient, event_log: EventLog
) -> None:
    numbers = [
        (await draft(client, await recap_ready(client, event_log)))["letter_number"]
        for _ in range(3)
    ]

    async def all_listed() -> list[Any] | None:
        page = await client.get("/letters", headers=KASUBBAG_TOKEN)
        return page.json()["items"] if len(page.json()["items"]) == 3 else None

    await eventually(all_listed)
    first = (await client.get("/letters?limit=2", headers=KASUBBAG_TOKEN)).json()
    assert first["next"]
    rest = (
        await client.get(f"/letters?limit=2&cursor={first['next']}", headers=KASUBBAG_TOKEN)
    ).json()
    assert [item["letter_number"] for item in first["items"] + rest["items"]] == numbers
    assert rest["next"] is None


async def test_the_surat_pengantar_prints_the_number_the_list_and_who_signed(
    client: httpx.AsyncClient, event_log: EventLog
) -> None:
    recap_id, registrations = await compile_recap(event_log)
    await eventually(lambda: awaiting_letter(client, recap_id))
    letter = await draft(client, recap_id)
    path = f"/letters/{letter['letter_id']}/pdf"

    unsigned = pdf_text(await client.get(path, headers=KASUBBAG_TOKEN))
    assert letter["letter_number"] in unsigned
    assert "Pengantar Pengiriman Dokumen Kependudukan" in unsigned
    assert "Pihak Ketiga" in unsigned and "Budi Santoso" in unsigned
    for registration in registrations:
        number = registration.data.document_number
        assert registration.data.name in unsigned
        assert mask_document_number(number) in unsigned and number not in unsigned
    assert "0812-3456-7890" in unsigned
    assert "BELUM DITANDATANGANI" in unsigned
    assert NIK not in unsigned

    await client.post(f"/letters/{letter['letter_id']}/sign", headers=SEKRETARIS_TOKEN)
    signed = pdf_text(await client.get(path, headers=SEKRETARIS_TOKEN))
    assert "Dra. Hj. Nurhayati" in signed and "WIB" in signed
    assert "BELUM DITANDATANGANI" not in signed


async def test_a_rejected_letter_prints_as_rejected_with_its_reason(
    client: httpx.AsyncClient, event_log: EventLog
) -> None:
    letter = await draft(client, await recap_ready(client, event_log))
    await client.post(
        f"/letters/{letter['letter_id']}/reject",
        json={"reason": "Lampiran belum lengkap"},
        headers=SEKRETARIS_TOKEN,
    )
    text = pdf_text(await client.get(f"/letters/{letter['letter_id']}/pdf", headers=KASUBBAG_TOKEN))
    assert "DITOLAK" in text and "Lampiran belum lengkap" in text
    assert letter["letter_number"] in text


async def test_the_office_sets_its_own_letter_number_pattern(
    service_env: dict[str, str], event_log: EventLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "JASA_LETTER_NUMBER_PATTERN", "470/{seq:03d}/Disdukcapil/{month_roman}/{year}"
    )
    async with running(create_app()) as client:
        letter = await draft(client, await recap_ready(client, event_log))
    number = letter["letter_number"].split("/")
    assert (
        number[1] == "001" and number[2] == "Disdukcapil" and number[4] == letter["drafted_at"][:4]
    )


def test_a_letter_number_pattern_without_a_sequence_stops_the_service_at_start(
    service_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JASA_LETTER_NUMBER_PATTERN", "470/Dukcapil/{year}")
    with pytest.raises(ValueError, match=r"must contain \{seq\}"):
        create_app()
