"""Settings of the courier service (environment; see the README)."""

import re
from enum import StrEnum
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator

from shared.context import ServiceContext
from shared.settings import ServiceSettings, database_url_of
from shared.webhooks.policy import STANDARD_SCHEDULE, DeliveryPolicy, parse_duration, parse_schedule
from shared.webhooks.targets import TargetPolicy


class NotifierKind(StrEnum):
    FILE = "file"
    HTTP = "http"


class PhotoStoreKind(StrEnum):
    FOLDER = "folder"
    S3 = "s3"


# S3's rule for a bucket's name, which every S3-compatible server follows.
BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")


class CourierSettings(ServiceSettings):
    service: str = "courier"
    database_url: str | None = database_url_of("courier")
    max_attempts: int = Field(
        default=2,
        ge=1,
        validation_alias="JASA_MAX_ATTEMPTS",
        description="failed delivery attempts after which a document can only be returned",
    )
    photo_dir: Path | None = Field(
        default=None,
        validation_alias="JASA_PHOTO_DIR",
        description="where the encrypted photo proofs are kept; unset: photos/ in the data dir",
    )
    photo_store: PhotoStoreKind = Field(
        default=PhotoStoreKind.FOLDER,
        validation_alias="JASA_PHOTO_STORE",
        description="where photo proofs are kept: `folder` (JASA_PHOTO_DIR) or `s3` (a bucket "
        "of AWS S3 or of any S3-compatible server, JASA_PHOTO_S3_*)",
    )
    photo_s3_endpoint: str | None = Field(
        default=None,
        validation_alias="JASA_PHOTO_S3_ENDPOINT",
        description="the S3-compatible server's URL, such as http://minio:9000; unset: AWS S3",
    )
    photo_s3_bucket: str | None = Field(
        default=None,
        validation_alias="JASA_PHOTO_S3_BUCKET",
        description="the bucket the photos go to (made beforehand; it is never created)",
    )
    photo_s3_region: str = Field(
        default="us-east-1", min_length=1, validation_alias="JASA_PHOTO_S3_REGION"
    )
    photo_s3_access_key: str | None = Field(
        default=None, validation_alias="JASA_PHOTO_S3_ACCESS_KEY"
    )
    photo_s3_secret_key: SecretStr | None = Field(
        default=None,
        validation_alias="JASA_PHOTO_S3_SECRET_KEY",
        description="with JASA_PHOTO_S3_ACCESS_KEY; both unset: the AWS credential chain "
        "(AWS_* variables, ~/.aws, the instance's role)",
    )
    photo_s3_path_style: bool | None = Field(
        default=None,
        validation_alias="JASA_PHOTO_S3_PATH_STYLE",
        description="address the bucket in the path (`<endpoint>/<bucket>/<key>`) rather "
        "than in the host name; unset: path-style with an endpoint, virtual-host on AWS",
    )
    notifier: NotifierKind = Field(
        default=NotifierKind.FILE,
        validation_alias="JASA_NOTIFIER",
        description="how the citizen is told: `file` (each message a JSON line in "
        "notifications.jsonl in the data dir) or `http` (an SMS/WhatsApp gateway)",
    )
    notify_url: str | None = Field(
        default=None,
        validation_alias="JASA_NOTIFY_URL",
        description="the gateway's URL (notifier http): each message is POSTed to it as JSON",
    )
    notify_token: SecretStr | None = Field(
        default=None,
        validation_alias="JASA_NOTIFY_TOKEN",
        description="sent to the gateway as `Authorization: Bearer <token>`",
    )
    notify_templates: dict[str, str] = Field(
        default_factory=dict,
        validation_alias="JASA_NOTIFY_TEMPLATES",
        description='the gateway\'s template per message, JSON such as {"registered": '
        '"jasa_lacak_v1"}; messages: registered, out_for_delivery, delivered, returned; '
        "unset: the message's own name",
    )
    notify_retry_max_s: float = Field(
        default=300.0,
        gt=0,
        validation_alias="JASA_NOTIFY_RETRY_MAX_S",
        description="the longest wait between two tries of a message the gateway refused",
    )

    def resolved_photo_dir(self) -> Path:
        return self.photo_dir or self.data_dir / "photos"

    webhook_allow_private: bool = Field(
        default=False,
        validation_alias="JASA_WEBHOOK_ALLOW_PRIVATE",
        description="outside production: webhooks may go to loopback and private addresses",
    )
    webhook_schedule: str = Field(
        default=STANDARD_SCHEDULE,
        validation_alias="JASA_WEBHOOK_SCHEDULE",
        description="the delays before each retry of a webhook, comma-separated durations",
    )
    webhook_timeout: str = Field(default="15s", validation_alias="JASA_WEBHOOK_TIMEOUT")
    webhook_disable_after: str = Field(
        default="5d",
        validation_alias="JASA_WEBHOOK_DISABLE_AFTER",
        description="an endpoint failing this long without a success is disabled",
    )
    webhook_rotation_grace: str = Field(
        default="24h",
        validation_alias="JASA_WEBHOOK_ROTATION_GRACE",
        description="how long a rotated webhook secret still signs beside the new one",
    )
    webhook_retention: str = Field(
        default="30d",
        validation_alias="JASA_WEBHOOK_RETENTION",
        description="how long a delivered webhook message is kept (for a replay)",
    )

    @field_validator(
        "photo_s3_endpoint",
        "photo_s3_bucket",
        "photo_s3_access_key",
        "photo_s3_secret_key",
        mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("photo_s3_endpoint")
    @classmethod
    def _an_endpoint(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"an http:// or https:// URL such as http://minio:9000, not {value!r}")
        return value

    @field_validator("photo_s3_bucket")
    @classmethod
    def _a_bucket_name(cls, value: str | None) -> str | None:
        if value is not None and not BUCKET_NAME.fullmatch(value):
            raise ValueError(
                f"a bucket's name is 3 to 63 lower-case letters, digits, dots and hyphens, "
                f"not {value!r}"
            )
        return value

    def photo_bucket_path_style(self) -> bool:
        """Path-style addressing: what S3-compatible servers answer to (no DNS per bucket)."""
        if self.photo_s3_path_style is not None:
            return self.photo_s3_path_style
        return self.photo_s3_endpoint is not None

    @field_validator("webhook_schedule")
    @classmethod
    def _a_schedule(cls, value: str) -> str:
        parse_schedule(value)
        return value

    @field_validator(
        "webhook_timeout", "webhook_disable_after", "webhook_rotation_grace", "webhook_retention"
    )
    @classmethod
    def _a_duration(cls, value: str) -> str:
        if parse_duration(value) <= 0:
            raise ValueError("a duration longer than zero")
        return value

    def webhook_policy(self) -> DeliveryPolicy:
        return DeliveryPolicy(
            schedule=parse_schedule(self.webhook_schedule),
            timeout_s=parse_duration(self.webhook_timeout),
            disable_after_s=parse_duration(self.webhook_disable_after),
            rotation_grace_s=parse_duration(self.webhook_rotation_grace),
            retention_s=parse_duration(self.webhook_retention),
        )

    def webhook_targets(self) -> TargetPolicy:
        return TargetPolicy.for_environment(self.env, self.webhook_allow_private)


# What this service's use cases are handed: the shared context, typed by these settings.
Context = ServiceContext[CourierSettings]
