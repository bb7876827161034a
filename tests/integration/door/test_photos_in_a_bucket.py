"""Photo proofs kept in an S3-compatible bucket (`JASA_PHOTO_STORE=s3`) on a real server over
HTTP (moto's, or JASA_TEST_S3_ENDPOINT's): through the courier's API, through `jasa privacy
erase`, and a bucket that is not there."""

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis

from services.courier.main import create_app
from services.courier.photos import PhotoStoreUnusable, checked_photo
from shared.log import EventLog
from tests.conftest import running
from tests.door_support import (
    AUDITOR,
    COURIER,
    accepted_handover,
    photo,
    photo_files,
    receipt_code,
)
from tests.integration.courier_support import eventually
from tests.integration.door.test_citizen_view import courier_post, handed_to_the_courier
from tests.integration.test_erasure import Office, run_jasa
from tests.s3_server import S3Server, object_bytes, object_names


@pytest.fixture
def service_env(
    service_env: dict[str, str],
    s3_server: S3Server,
    s3_bucket: str,
    monkeypatch: pytest.MonkeyPatch,
) -> dict[str, str]:
    """The services' environment, with the courier's photos in this test's bucket."""
    bucket = s3_server.environment(s3_bucket)
    for name, value in bucket.items():
        monkeypatch.setenv(name, value)
    return service_env | bucket


@pytest.fixture
async def client(service_env: dict[str, str]) -> AsyncIterator[httpx.AsyncClient]:
    async with running(create_app()) as client:
        yield client


async def test_a_photo_proof_goes_to_the_bucket_sealed_and_the_auditor_reads_it_back(
    client: httpx.AsyncClient,
    event_log: EventLog,
    redis: Redis,
    s3_server: S3Server,
    s3_bucket: str,
    data_dir: Path,
) -> None:
    handover = await accepted_handover(client, event_log, redis, documents=1)
    dossier_id = handover.dossier_ids[0]
    taken = photo("PNG")
    delivered = await client.post(
        f"/deliveries/{dossier_id}/delivered",
        data={"recipient_name": "Joko Susilo", "relationship": "FAMILY"},
        files={"photo": ("bukti.png", taken, "image/png")},
        headers=COURIER,
    )
    assert delivered.status_code == 200, delivered.text
    sha256 = checked_photo(taken).sha256
    name = f"1471/{dossier_id}/{sha256}.sealed"
    assert object_names(s3_server, s3_bucket) == [name]
    assert taken not in object_bytes(s3_server, s3_bucket, name)  # sealed before it left
    assert photo_files(data_dir) == []  # nothing in the folder

    fetched = await client.get(f"/deliveries/{dossier_id}/photo", headers=AUDITOR)
    assert fetched.status_code == 200, fetched.text
    assert (fetched.content, fetched.headers["x-content-sha256"]) == (taken, sha256)


async def test_a_refused_delivery_leaves_no_photo_in_the_bucket(
    client: httpx.AsyncClient,
    event_log: EventLog,
    redis: Redis,
    s3_server: S3Server,
    s3_bucket: str,
) -> None:
    handover = await accepted_handover(client, event_log, redis, documents=1)
    dossier_id = handover.dossier_ids[0]
    await client.post(f"/deliveries/{dossier_id}/out-for-delivery", headers=COURIER)
    code = await receipt_code(event_log, redis, dossier_id)
    by_code = await client.post(
        f"/deliveries/{dossier_id}/delivered", json={"receipt_code": code}, headers=COURIER
    )
    assert by_code.status_code == 200, by_code.text

    again = await client.post(
        f"/deliveries/{dossier_id}/delivered",
        data={"recipient_name": "Joko Susilo", "relationship": "FAMILY"},
        files={"photo": ("bukti.jpg", photo(), "image/jpeg")},
        headers=COURIER,
    )
    assert again.status_code == 409, again.text
    assert object_names(s3_server, s3_bucket) == []


async def test_privacy_erase_deletes_the_dossiers_photos_from_the_bucket(
    office: Office, s3_server: S3Server, s3_bucket: str
) -> None:
    sri, joko = await handed_to_the_courier(office)
    for dossier in (sri, joko):
        await courier_post(
            office,
            f"/deliveries/{dossier['dossier_id']}/delivered",
            data={"recipient_name": "Sari", "relationship": "FAMILY"},
            files={"photo": ("serah.jpg", photo(size=(40, 30)), "image/jpeg")},
        )
    joko_id = joko["dossier_id"]
    await eventually(
        lambda: office.courier.get(f"/deliveries/{joko_id}/photo", headers=AUDITOR),
        lambda r: r.status_code == 200,
        "the photo proof for the auditor",
    )
    assert len(object_names(s3_server, s3_bucket)) == 2

    erased = await run_jasa("privacy", "erase", joko_id, "--yes")
    assert erased.exit_code == 0, erased.output
    assert "photo proofs of its delivery are deleted" in erased.output
    kept = object_names(s3_server, s3_bucket)
    assert [name.split("/")[1] for name in kept] == [sri["dossier_id"]]  # only Joko's went
    gone = await office.courier.get(f"/deliveries/{joko_id}/photo", headers=AUDITOR)
    assert gone.status_code == 404


async def test_a_bucket_that_is_not_there_stops_the_start_and_the_erasure(
    service_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = f"jasa-test-missing-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("JASA_PHOTO_S3_BUCKET", missing)
    with pytest.raises(PhotoStoreUnusable, match=f"the bucket {missing} .* does not exist"):
        async with running(create_app()):
            pass

    refused = await run_jasa("privacy", "erase", str(uuid.uuid4()), "--yes")
    assert refused.exit_code == 2
    assert f"the bucket {missing}" in refused.output and "nothing was erased" in refused.output

    monkeypatch.delenv("JASA_PHOTO_S3_BUCKET")
    with pytest.raises(SystemExit, match=r"refusing to start: .*needs JASA_PHOTO_S3_BUCKET"):
        create_app()
