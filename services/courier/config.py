"""Settings of the courier service (environment; see the README)."""

from enum import StrEnum
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr

from shared.service import ServiceContext
from shared.settings import ServiceSettings


class NotifierKind(StrEnum):
    FILE = "file"
    HTTP = "http"


class CourierSettings(ServiceSettings):
    service: str = "courier"
    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("COURIER_DATABASE_URL", "DATABASE_URL"),
        description="unset: an SQLite file courier.db under the data dir",
    )
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


# What this service's use cases are handed: the shared context, typed by these settings.
Context = ServiceContext[CourierSettings]
