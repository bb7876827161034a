"""At the door, through the courier's API on a real Redis: failed attempts, the receipt
code sent when the document goes out, and the proof a delivery needs without it."""

import hashlib
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis

from services.courier.main import create_app
from shared.log import EventLog
from tests.conftest import running
from tests.door_support import (
    AUDITOR,
    COURIER,
    accepted_handover,
    noisy_png_over_2_mb,
    photo,
    photo_files,
    png_claiming_vast_size,
    receipt_code,
)


@pytest.fixture
async def client(service_env: dict[str, str]) -> AsyncIterator[httpx.AsyncClient]:
    async with running(create_app()) as client:
        yield client


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


async def stored_types(log: EventLog, dossier_id: uuid.UUID) -> list[str]:
    return [event.type for event in await log.load(f"delivery-{dossier_id}")]


async def test_a_document_that_fails_twice_can_only_be_returned(
    client: httpx.AsyncClient, event_log: EventLog, redis: Redis, data_dir: Path
) -> None:
    handover = await accepted_handover(client, event_log, redis)
    dossier_id = handover.dossier_ids[0]
    first = await client.post(
        f"/deliveries/{dossier_id}/attempts",
        json={"reason": "RECIPIENT_NOT_HOME", "note": "rumah kosong"},
        headers=COURIER,
    )
    second = await client.post(
        f"/deliveries/{dossier_id}/attempts", json={"reason": "RECIPIENT_MOVED"}, headers=COURIER
    )
    assert (first.status_code, first.json()["attempt"], first.json()["attempts_left"]) == (
        201,
        1,
        1,
    )
    assert (second.status_code, second.json()["attempts_left"]) == (201, 0)

    third = await client.post(
        f"/deliveries/{dossier_id}/attempts", json={"reason": "REFUSED"}, headers=COURIER
    )
    sent_out = await client.post(f"/deliveries/{dossier_id}/out-for-delivery", headers=COURIER)
    files = {"photo": ("serah.jpg", photo(), "image/jpeg")}
    form = {"recipient_name": "Rina Marlina", "relationship": "SELF"}
    delivered = await client.post(
        f"/deliveries/{dossier_id}/delivered", data=form, files=files, headers=COURIER
    )
    for refused in (third, sent_out, delivered):
        assert refused.status_code == 409, refused.text
        assert "JASA_MAX_ATTEMPTS" in refused.json()["detail"]
        assert "only way left is to return it" in refused.json()["detail"]

    returned = await client.post(
        f"/deliveries/{dossier_id}/returned",
        json={"reason": "RECIPIENT_NOT_HOME", "note": "dua kali tidak ada"},
        headers=COURIER,
    )
    assert returned.status_code == 200, returned.text
    assert await stored_types(event_log, dossier_id) == [
        "DeliveryAttemptFailed",
        "DeliveryAttemptFailed",
        "Returned",
    ]
    assert photo_files(data_dir) == []


async def test_an_attempt_for_another_reason_says_why(
    client: httpx.AsyncClient, event_log: EventLog, redis: Redis
) -> None:
    handover = await accepted_handover(client, event_log, redis, documents=1)
    url = f"/deliveries/{handover.dossier_ids[0]}/attempts"
    unsaid = await client.post(url, json={"reason": "OTHER"}, headers=COURIER)
    unknown = await client.post(url, json={"reason": "ANJING_GALAK"}, headers=COURIER)
    assert (unsaid.status_code, unsaid.json()["errors"][0]["field"]) == (422, "note")
    assert (unknown.status_code, unknown.json()["errors"][0]["field"]) == (422, "reason")
    assert await stored_types(event_log, handover.dossier_ids[0]) == []


async def test_the_right_code_delivers_and_the_event_keeps_only_that_it_was_valid(
    client: httpx.AsyncClient, event_log: EventLog, redis: Redis
) -> None:
    handover = await accepted_handover(client, event_log, redis, documents=1)
    dossier_id = handover.dossier_ids[0]
    sent = await client.post(f"/deliveries/{dossier_id}/out-for-delivery", headers=COURIER)
    assert sent.status_code == 200, sent.text
    code = await receipt_code(event_log, redis, dossier_id)
    assert len(code) == 6 and code.isdigit()
    assert code not in sent.text  # the courier learns it from the citizen, not from us

    delivered = await client.post(
        f"/deliveries/{dossier_id}/delivered", json={"receipt_code": code}, headers=COURIER
    )
    assert delivered.status_code == 200, delivered.text
    assert delivered.json()["code_verified"] is True
    stored = await event_log.load(f"delivery-{dossier_id}")
    assert [e.type for e in stored] == ["OutForDelivery", "Delivered"]
    assert stored[-1].data.code_verified is True
    raw = await redis.xrange(event_log.keys.stream(f"delivery-{dossier_id}"))
    assert all(code.encode() not in fields[b"event"] for _, fields in raw)


async def test_wrong_codes_are_refused_then_locked_and_only_photo_proof_delivers(
    client: httpx.AsyncClient, event_log: EventLog, redis: Redis, data_dir: Path
) -> None:
    handover = await accepted_handover(client, event_log, redis, documents=1)
    dossier_id = handover.dossier_ids[0]
    url = f"/deliveries/{dossier_id}/delivered"
    await client.post(f"/deliveries/{dossier_id}/out-for-delivery", headers=COURIER)
    code = await receipt_code(event_log, redis, dossier_id)

    for tried in range(1, 6):
        refused = await client.post(url, json={"receipt_code": wrong(code)}, headers=COURIER)
        assert (refused.status_code, refused.json()["errors"][0]["field"]) == (
            422,
            "receipt_code",
        )
        assert f"({tried} wrong)" in refused.json()["detail"]
    locked = await client.post(url, json={"receipt_code": code}, headers=COURIER)
    assert locked.status_code == 409
    assert "locked" in locked.json()["detail"]

    without_photo = await client.post(
        url, json={"recipient_name": "Joko", "relationship": "FAMILY"}, headers=COURIER
    )
    assert without_photo.status_code == 422
    assert [e["field"] for e in without_photo.json()["errors"]] == ["photo"]
    taken = photo("PNG")
    delivered = await client.post(
        url,
        data={"recipient_name": "Joko Susilo", "relationship": "FAMILY", "note": "adik"},
        files={"photo": ("bukti.png", taken, "image/png")},
        headers=COURIER,
    )
    assert delivered.status_code == 200, delivered.text
    body = delivered.json()
    assert body["code_verified"] is False
    stored = await event_log.load(f"delivery-{dossier_id}")
    assert [e.type for e in stored] == ["OutForDelivery", *["ReceiptCodeRefused"] * 5, "Delivered"]
    assert stored[-1].data.photo_sha256 == hashlib.sha256(taken).hexdigest() == body["photo_sha256"]

    fetched = await client.get(f"/deliveries/{dossier_id}/photo", headers=AUDITOR)
    assert fetched.status_code == 200
    assert (fetched.content, fetched.headers["content-type"]) == (taken, "image/png")
    (kept,) = photo_files(data_dir)
    assert taken not in kept.read_bytes()  # encrypted at rest
    courier_cannot = await client.get(f"/deliveries/{dossier_id}/photo", headers=COURIER)
    assert courier_cannot.status_code == 403


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"%PDF-1.7 bukan foto", "not a readable JPEG or PNG"),
        (b"GIF89a" + b"\x00" * 64, "not a readable JPEG or PNG"),
        (photo("GIF"), "only JPEG or PNG"),
        (photo("JPEG")[:200], "not a readable JPEG or PNG"),
        (None, "at most 2,097,152"),
        (png_claiming_vast_size(), "too many pixels"),
    ],
    ids=["pdf", "gif header only", "a real gif", "a cut jpeg", "too big", "pixel bomb"],
)
async def test_a_photo_that_is_not_an_image_or_too_big_is_refused_with_nothing_written(
    client: httpx.AsyncClient,
    event_log: EventLog,
    redis: Redis,
    data_dir: Path,
    content: bytes | None,
    why: str,
) -> None:
    handover = await accepted_handover(client, event_log, redis, documents=1)
    dossier_id = handover.dossier_ids[0]
    refused = await client.post(
        f"/deliveries/{dossier_id}/delivered",
        data={"recipient_name": "Joko Susilo", "relationship": "FAMILY"},
        # The name and type the client gives are not what is judged.
        files={"photo": ("foto.jpg", content or noisy_png_over_2_mb(), "image/jpeg")},
        headers=COURIER,
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "photo"
    assert why in refused.json()["detail"]
    assert await stored_types(event_log, dossier_id) == []
    assert photo_files(data_dir) == []


async def test_a_delivery_without_code_names_everything_it_lacks(
    client: httpx.AsyncClient, event_log: EventLog, redis: Redis
) -> None:
    handover = await accepted_handover(client, event_log, redis, documents=1)
    answer = await client.post(
        f"/deliveries/{handover.dossier_ids[0]}/delivered", json={"note": ""}, headers=COURIER
    )
    assert answer.status_code == 422
    assert [e["field"] for e in answer.json()["errors"]] == [
        "recipient_name",
        "relationship",
        "photo",
    ]


async def test_a_code_before_the_document_went_out_is_refused(
    client: httpx.AsyncClient, event_log: EventLog, redis: Redis
) -> None:
    handover = await accepted_handover(client, event_log, redis, documents=1)
    answer = await client.post(
        f"/deliveries/{handover.dossier_ids[0]}/delivered",
        json={"receipt_code": "123456"},
        headers=COURIER,
    )
    assert answer.status_code == 409
    assert "mark it out for delivery first" in answer.json()["detail"]


async def test_a_form_beyond_the_upload_bound_is_413_and_other_bodies_keep_theirs(
    client: httpx.AsyncClient, event_log: EventLog, redis: Redis, data_dir: Path
) -> None:
    handover = await accepted_handover(client, event_log, redis, documents=1)
    dossier_id = handover.dossier_ids[0]
    huge = await client.post(
        f"/deliveries/{dossier_id}/delivered",
        data={"recipient_name": "Joko Susilo", "relationship": "FAMILY"},
        files={"photo": ("foto.jpg", b"\xff\xd8" + b"\x00" * (3 * 1024 * 1024), "image/jpeg")},
        headers=COURIER,
    )
    assert huge.status_code == 413
    big_json = await client.post(
        f"/deliveries/{dossier_id}/attempts",
        json={"reason": "OTHER", "note": "x" * (70 * 1024)},
        headers=COURIER,
    )
    assert big_json.status_code == 413  # only a form with a photo gets the larger bound
    assert await stored_types(event_log, dossier_id) == []
    assert photo_files(data_dir) == []
