"""The photo store's contract (services/courier/photos.py), one suite run against both
stores, each built from the courier's settings as the service builds it: the folder, and an
S3-compatible bucket on a real server over HTTP (tests/s3_server.py). Photos are sealed
through a log whose personal-data keys live on the suite's Redis, under the test's prefix."""

import os
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from redis.asyncio import Redis

from services.courier.config import CourierSettings
from services.courier.photo_bucket import BucketPhotoStore, PhotoStoreUnavailable
from services.courier.photo_stores import photo_store
from services.courier.photos import (
    Photo,
    PhotoStore,
    PhotoStoreUnusable,
    checked_photo,
)
from shared.keys import Keys
from shared.log import EventLog
from shared.privacy import Privacy
from shared.redis_server import free_port
from tests.door_support import photo
from tests.s3_server import S3Server, object_bytes, object_names

OFFICE = "1471"


@dataclass
class StoreUnderTest:
    store: PhotoStore
    kept: Callable[[], list[str]]  # the names of what the store holds, from outside it
    raw: Callable[[str], bytes]  # the bytes kept under one name, as they lie there


def folder_names(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


@pytest.fixture(params=["folder", "s3"])
async def under_test(
    request: pytest.FixtureRequest, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[StoreUnderTest]:
    monkeypatch.setenv("JASA_DATA_DIR", str(data_dir))
    if request.param == "folder":
        monkeypatch.setenv("JASA_PHOTO_STORE", "folder")
        folder = data_dir / "photos"
        store = photo_store(CourierSettings())
        kept = StoreUnderTest(
            store, lambda: folder_names(folder), lambda n: (folder / n).read_bytes()
        )
    else:
        server: S3Server = request.getfixturevalue("s3_server")
        bucket: str = request.getfixturevalue("s3_bucket")
        for name, value in server.environment(bucket).items():
            monkeypatch.setenv(name, value)
        store = photo_store(CourierSettings())
        assert isinstance(store, BucketPhotoStore)
        kept = StoreUnderTest(
            store,
            lambda: object_names(server, bucket),
            lambda n: object_bytes(server, bucket, n),
        )
    await store.check()
    yield kept
    await store.aclose()


@pytest.fixture
def log(redis: Redis, keys: Keys) -> EventLog:
    """The office's log with its personal-data keys on Redis, as a service has it."""
    return EventLog(redis, keys, Privacy(redis, keys, os.urandom(32)))


def shot(kind: str = "JPEG", size: tuple[int, int] = (32, 24)) -> Photo:
    return checked_photo(photo(kind, size))


async def test_a_photo_is_kept_sealed_under_its_name_and_read_back(
    under_test: StoreUnderTest, log: EventLog
) -> None:
    dossier_id, taken = uuid.uuid4(), shot("PNG")
    assert await under_test.store.put(log, dossier_id, taken) is True
    name = f"{OFFICE}/{dossier_id}/{taken.sha256}.sealed"
    assert under_test.kept() == [name]
    assert taken.content not in under_test.raw(name)  # only sealed bytes left the process
    assert await under_test.store.get(log, dossier_id, taken.sha256) == taken


async def test_a_photo_put_twice_is_written_once(under_test: StoreUnderTest, log: EventLog) -> None:
    dossier_id, taken = uuid.uuid4(), shot()
    assert await under_test.store.put(log, dossier_id, taken) is True
    (name,) = under_test.kept()
    first = under_test.raw(name)
    assert await under_test.store.put(log, dossier_id, taken) is False
    assert under_test.kept() == [name] and under_test.raw(name) == first


@pytest.mark.parametrize(
    "sha256", ["0" * 64, "../" * 21 + "a", "A" * 64, "a" * 63, "", "a" * 64 + "/../x"]
)
async def test_an_unknown_or_malformed_name_reads_as_nothing(
    under_test: StoreUnderTest, log: EventLog, sha256: str
) -> None:
    dossier_id = uuid.uuid4()
    await under_test.store.put(log, dossier_id, shot())
    assert await under_test.store.get(log, dossier_id, sha256) is None


async def test_a_discarded_photo_is_gone_and_discarding_it_again_is_harmless(
    under_test: StoreUnderTest, log: EventLog
) -> None:
    dossier_id, kept, dropped = uuid.uuid4(), shot(size=(8, 8)), shot(size=(9, 9))
    await under_test.store.put(log, dossier_id, kept)
    await under_test.store.put(log, dossier_id, dropped)
    await under_test.store.discard(OFFICE, dossier_id, dropped.sha256)
    await under_test.store.discard(OFFICE, dossier_id, dropped.sha256)
    assert await under_test.store.get(log, dossier_id, dropped.sha256) is None
    assert await under_test.store.get(log, dossier_id, kept.sha256) == kept
    assert under_test.kept() == [f"{OFFICE}/{dossier_id}/{kept.sha256}.sealed"]


async def test_erasing_a_dossier_removes_all_its_photos_and_only_its_own(
    under_test: StoreUnderTest, log: EventLog, redis: Redis, key_prefix: str
) -> None:
    erased, other = uuid.uuid4(), uuid.uuid4()
    taken = [shot(size=(10 + n, 10)) for n in range(5)]
    for each in taken:
        await under_test.store.put(log, erased, each)
    await under_test.store.put(log, other, taken[0])
    # The same dossier id in another office's log is another dossier.
    elsewhere = Keys("1472", key_prefix)
    other_office = EventLog(redis, elsewhere, Privacy(redis, elsewhere, os.urandom(32)))
    await under_test.store.put(other_office, erased, taken[0])
    if isinstance(under_test.store, BucketPhotoStore):
        under_test.store.page_size = 2  # the listing comes in pages: each is deleted

    assert await under_test.store.erase(OFFICE, erased) is True
    assert [await under_test.store.get(log, erased, each.sha256) for each in taken] == [None] * 5
    assert under_test.kept() == sorted(
        [
            f"{OFFICE}/{other}/{taken[0].sha256}.sealed",
            f"1472/{erased}/{taken[0].sha256}.sealed",
        ]
    )
    assert await under_test.store.get(log, other, taken[0].sha256) == taken[0]
    assert await under_test.store.erase(OFFICE, erased) is False  # nothing left to remove


async def test_once_the_dossiers_key_is_destroyed_its_photo_reads_as_nothing(
    under_test: StoreUnderTest, log: EventLog, redis: Redis, keys: Keys
) -> None:
    dossier_id, taken = uuid.uuid4(), shot()
    await under_test.store.put(log, dossier_id, taken)
    assert log.mapper.privacy is not None
    assert await log.mapper.privacy.erase(dossier_id) is True
    assert under_test.kept() != []  # the sealed bytes are still there, as noise
    assert await under_test.store.get(log, dossier_id, taken.sha256) is None


# --- what only the bucket has: settings, a missing bucket, a server out of reach ------------


def bucket_settings(server: S3Server, bucket: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in server.environment(bucket).items():
        monkeypatch.setenv(name, value)


async def test_a_bucket_that_does_not_exist_is_named_at_the_check(
    s3_server: S3Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = f"jasa-test-missing-{uuid.uuid4().hex[:8]}"
    bucket_settings(s3_server, missing, monkeypatch)
    store = photo_store(CourierSettings())
    with pytest.raises(PhotoStoreUnusable, match=f"the bucket {missing} at .* does not exist"):
        await store.check()
    await store.aclose()


def test_a_bucket_store_without_a_bucket_or_with_half_its_credentials_is_refused(
    s3_server: S3Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    bucket_settings(s3_server, "jasa-test-never-made", monkeypatch)
    monkeypatch.delenv("JASA_PHOTO_S3_SECRET_KEY")
    with pytest.raises(PhotoStoreUnusable, match="JASA_PHOTO_S3_ACCESS_KEY and JASA_PHOTO_S3"):
        photo_store(CourierSettings())
    monkeypatch.delenv("JASA_PHOTO_S3_BUCKET")
    with pytest.raises(PhotoStoreUnusable, match="needs JASA_PHOTO_S3_BUCKET"):
        photo_store(CourierSettings())


async def test_a_bucket_out_of_reach_is_a_503_and_nothing_is_kept(
    s3_server: S3Server, s3_bucket: str, monkeypatch: pytest.MonkeyPatch, log: EventLog
) -> None:
    bucket_settings(s3_server, s3_bucket, monkeypatch)
    monkeypatch.setenv("JASA_PHOTO_S3_ENDPOINT", f"http://127.0.0.1:{free_port()}")
    store = photo_store(CourierSettings())
    with pytest.raises(PhotoStoreUnusable, match="cannot be reached"):
        await store.check()
    with pytest.raises(PhotoStoreUnavailable, match="cannot be used right now") as refused:
        await store.put(log, uuid.uuid4(), shot())
    assert refused.value.status == 503
    assert object_names(s3_server, s3_bucket) == []
    await store.aclose()
