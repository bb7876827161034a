"""The photo store in a bucket (`JASA_PHOTO_STORE=s3`): AWS S3, or any server that speaks
the S3 API with path-style addressing (MinIO, Ceph's RGW and the like).

Objects are named as the folder's files, `<office>/<dossier_id>/<sha256>.sealed`, and hold
only the sealed bytes. Each call goes through boto3 in a worker thread (one client per store;
botocore's clients are thread-safe), so the event loop never waits on the network. A bucket
that cannot be used at start stops the service with a sentence; one that fails later answers
503 (nothing was written) and is logged without the dossier's data."""

import asyncio
import logging
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar
from uuid import UUID

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from services.courier.config import CourierSettings
from services.courier.photos import (
    SHA256,
    Photo,
    PhotoStoreUnusable,
    dossier_prefix,
    object_name,
    opened_photo,
    sealed_photo,
)
from shared.errors import ServiceUnavailable
from shared.log import EventLog

# Not `log`: the methods take the office's event log by that name.
logger = logging.getLogger("jasa.photos")

T = TypeVar("T")

NOT_THERE = frozenset({"404", "NoSuchKey", "NotFound"})
# 412: the object exists (If-None-Match); 409: another conditional write to it is under way.
ALREADY_THERE = frozenset({"PreconditionFailed", "412", "ConditionalRequestConflict"})
NO_BUCKET = frozenset({"404", "NoSuchBucket", "NotFound"})
REFUSED = frozenset({"403", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch"})
WRONG_REGION = frozenset({"301", "PermanentRedirect", "AuthorizationHeaderMalformed"})


class PhotoStoreUnavailable(ServiceUnavailable):
    """The bucket did not answer, or refused the call: nothing was kept; try again."""


def bucket_store(settings: CourierSettings) -> "BucketPhotoStore":
    """The bucket the settings name, with its client; no connection is opened yet."""
    bucket = settings.photo_s3_bucket
    if not bucket:
        raise PhotoStoreUnusable(
            "JASA_PHOTO_STORE=s3 needs JASA_PHOTO_S3_BUCKET, the name of the bucket"
        )
    access_key, secret_key = settings.photo_s3_access_key, settings.photo_s3_secret_key
    if (access_key is None) != (secret_key is None):
        raise PhotoStoreUnusable(
            "give JASA_PHOTO_S3_ACCESS_KEY and JASA_PHOTO_S3_SECRET_KEY together, or neither "
            "(then the AWS credential chain is used)"
        )
    config = Config(
        region_name=settings.photo_s3_region,
        s3={"addressing_style": "path" if settings.photo_bucket_path_style() else "virtual"},
        connect_timeout=5,
        read_timeout=30,
        retries={"max_attempts": 3, "mode": "standard"},
        # Checksums only where the S3 API demands them: S3-compatible servers differ on the
        # optional ones newer botocore sends by default.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    # A session of its own: boto3's default session is shared and not safe to build from
    # two threads.
    client = boto3.session.Session().client(
        "s3",
        endpoint_url=settings.photo_s3_endpoint,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key.get_secret_value() if secret_key else None,
        config=config,
    )
    where = settings.photo_s3_endpoint or f"AWS S3 ({settings.photo_s3_region})"
    return BucketPhotoStore(client, bucket, where)


class BucketPhotoStore:
    """The sealed photos as objects of one bucket."""

    def __init__(self, client: Any, bucket: str, where: str, page_size: int = 1000) -> None:
        self.client, self.bucket, self.where = client, bucket, where
        self.page_size = page_size  # keys per page of a listing: 1,000, what S3 answers at most

    async def put(self, log: EventLog, dossier_id: UUID, photo: Photo) -> bool:
        sealed = await sealed_photo(log, dossier_id, photo)
        key = object_name(log.keys.office, dossier_id, photo.sha256)
        # Looked for first, for servers that ignore If-None-Match; where the server honours
        # it, the conditional write settles two puts racing for one photo.
        if await self._call(
            partial(self.client.head_object, Bucket=self.bucket, Key=key), NOT_THERE
        ):
            return False
        written = partial(
            self.client.put_object,
            Bucket=self.bucket,
            Key=key,
            Body=sealed,
            IfNoneMatch="*",
            ContentType="application/octet-stream",
        )
        return await self._call(written, ALREADY_THERE) is not None

    async def get(self, log: EventLog, dossier_id: UUID, sha256: str) -> Photo | None:
        if not SHA256.fullmatch(sha256):
            return None
        key = object_name(log.keys.office, dossier_id, sha256)
        sealed = await self._call(partial(self._read, key), NOT_THERE)
        return await opened_photo(log, dossier_id, sealed)

    async def discard(self, office: str, dossier_id: UUID, sha256: str) -> None:
        key = object_name(office, dossier_id, sha256)
        await self._call(partial(self.client.delete_object, Bucket=self.bucket, Key=key))

    async def erase(self, office: str, dossier_id: UUID) -> bool:
        removed = await self._call(partial(self._remove_all, dossier_prefix(office, dossier_id)))
        return bool(removed)

    async def check(self) -> None:
        try:
            await asyncio.to_thread(self.client.head_bucket, Bucket=self.bucket)
        except ClientError as error:
            code = _code(error)
            if code in NO_BUCKET:
                why = "does not exist (JASA_PHOTO_S3_BUCKET; it is not created for you)"
            elif code in REFUSED:
                why = "refuses these credentials (JASA_PHOTO_S3_ACCESS_KEY, _SECRET_KEY)"
            elif code in WRONG_REGION:
                why = "is in another region (JASA_PHOTO_S3_REGION)"
            else:
                why = f"cannot be used: {code}"
            raise PhotoStoreUnusable(f"the bucket {self.bucket} at {self.where} {why}") from None
        except BotoCoreError as error:
            raise PhotoStoreUnusable(
                f"the bucket {self.bucket} at {self.where} cannot be reached: {error} "
                "(JASA_PHOTO_S3_ENDPOINT)"
            ) from None

    async def aclose(self) -> None:
        await asyncio.to_thread(self.client.close)

    def _read(self, key: str) -> bytes:
        answer = self.client.get_object(Bucket=self.bucket, Key=key)
        with answer["Body"] as body:
            return bytes(body.read())

    def _remove_all(self, prefix: str) -> int:
        """Delete every object under `prefix`, a page of the listing at a time (one
        DeleteObjects takes up to 1,000 keys); how many there were."""
        removed = 0
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix, PaginationConfig={"PageSize": self.page_size}
        )
        for page in pages:
            objects = [{"Key": item["Key"]} for item in page.get("Contents", [])]
            if not objects:
                continue
            answer = self.client.delete_objects(
                Bucket=self.bucket, Delete={"Objects": objects, "Quiet": True}
            )
            if answer.get("Errors"):
                codes = sorted({error.get("Code", "?") for error in answer["Errors"]})
                raise PhotoStoreUnavailable(
                    f"the bucket {self.bucket} kept {len(answer['Errors'])} photo(s) it was "
                    f"asked to delete ({', '.join(codes)}); try again"
                )
            removed += len(objects)
        return removed

    async def _call(self, work: Callable[[], T], absent: frozenset[str] = frozenset()) -> T | None:
        """`work` in a worker thread; None if S3 answered one of the `absent` codes. Any other
        failure is a 503 for the caller, logged by operation and code only."""
        try:
            return await asyncio.to_thread(work)
        except ClientError as error:
            code = _code(error)
            if code in absent:
                return None
            cause = f"{error.operation_name} answered {code}"
        except BotoCoreError as error:
            cause = type(error).__name__
        logger.error("the photo bucket %s at %s failed: %s", self.bucket, self.where, cause)
        raise PhotoStoreUnavailable(
            f"the photo store cannot be used right now ({cause}); try again"
        )


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))
