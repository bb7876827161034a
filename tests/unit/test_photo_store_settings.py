"""Which photo store the courier keeps its photo proofs in (JASA_PHOTO_STORE and
JASA_PHOTO_S3_*): a folder by default, a bucket by setting, and a bad setting said at once."""

from pathlib import Path

import pytest
from pydantic import ValidationError

from services.courier.config import CourierSettings, PhotoStoreKind
from services.courier.photo_bucket import BucketPhotoStore
from services.courier.photo_stores import photo_store
from services.courier.photos import FolderPhotoStore

BUCKET_SETTINGS = (
    "JASA_PHOTO_STORE",
    "JASA_PHOTO_S3_ENDPOINT",
    "JASA_PHOTO_S3_BUCKET",
    "JASA_PHOTO_S3_REGION",
    "JASA_PHOTO_S3_ACCESS_KEY",
    "JASA_PHOTO_S3_SECRET_KEY",
    "JASA_PHOTO_S3_PATH_STYLE",
)


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in (*BUCKET_SETTINGS, "JASA_PHOTO_DIR"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_the_photos_go_to_the_data_dirs_folder_unless_told_otherwise(
    environment: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    environment.setenv("JASA_DATA_DIR", str(tmp_path))
    settings = CourierSettings()
    assert settings.photo_store is PhotoStoreKind.FOLDER
    store = photo_store(settings)
    assert isinstance(store, FolderPhotoStore) and store.folder == settings.data_dir / "photos"


def bucket_store_of(environment: pytest.MonkeyPatch, **s3: str) -> BucketPhotoStore:
    """The store of bucket jasa-photos, with more JASA_PHOTO_S3_<NAME> settings."""
    environment.setenv("JASA_PHOTO_STORE", "s3")
    environment.setenv("JASA_PHOTO_S3_BUCKET", "jasa-photos")
    for name, value in s3.items():
        environment.setenv(f"JASA_PHOTO_S3_{name.upper()}", value)
    store = photo_store(CourierSettings())
    assert isinstance(store, BucketPhotoStore)
    return store


def test_a_bucket_on_an_s3_compatible_server_is_addressed_in_the_path(
    environment: pytest.MonkeyPatch,
) -> None:
    store = bucket_store_of(environment, endpoint="http://minio.local:9000")
    assert (store.bucket, store.where) == ("jasa-photos", "http://minio.local:9000")
    assert store.client.meta.config.s3["addressing_style"] == "path"
    assert store.client.meta.region_name == "us-east-1"


def test_a_bucket_on_aws_is_addressed_by_host_unless_told_otherwise(
    environment: pytest.MonkeyPatch,
) -> None:
    on_aws = bucket_store_of(environment, region="ap-southeast-3")
    assert on_aws.where == "AWS S3 (ap-southeast-3)"
    assert on_aws.client.meta.config.s3["addressing_style"] == "virtual"
    told = bucket_store_of(environment, region="ap-southeast-3", path_style="true")
    assert told.client.meta.config.s3["addressing_style"] == "path"


def test_an_empty_setting_counts_as_unset(environment: pytest.MonkeyPatch) -> None:
    for name in ("JASA_PHOTO_S3_ENDPOINT", "JASA_PHOTO_S3_BUCKET", "JASA_PHOTO_S3_SECRET_KEY"):
        environment.setenv(name, "")
    settings = CourierSettings()
    assert (settings.photo_s3_endpoint, settings.photo_s3_bucket) == (None, None)
    assert settings.photo_s3_secret_key is None


@pytest.mark.parametrize(
    ("name", "value", "said"),
    [
        ("JASA_PHOTO_STORE", "ftp", "JASA_PHOTO_STORE"),
        ("JASA_PHOTO_S3_ENDPOINT", "minio:9000", "an http:// or https:// URL"),
        ("JASA_PHOTO_S3_ENDPOINT", "http://", "an http:// or https:// URL"),
        ("JASA_PHOTO_S3_BUCKET", "Jasa_Photos", "a bucket's name is 3 to 63"),
        ("JASA_PHOTO_S3_BUCKET", "ab", "a bucket's name is 3 to 63"),
    ],
)
def test_a_bad_setting_is_refused_naming_it(
    environment: pytest.MonkeyPatch, name: str, value: str, said: str
) -> None:
    environment.setenv(name, value)
    with pytest.raises(ValidationError, match=said):
        CourierSettings()
