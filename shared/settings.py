"""Settings come from the environment (pydantic-settings). Each service subclasses
`ServiceSettings`; nothing is read at import time, only when a settings object is built."""

from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

SERVICE_PORTS = {"intake": 1, "approval": 2, "courier": 3, "reporting": 4}


class CommonSettings(BaseSettings):
    """What every part of an installation shares."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    redis_url: str | None = Field(
        default=None,
        validation_alias="REDIS_URL",
        description="unset: `jasa up` starts its own durable Redis under the data dir",
    )
    data_dir: Path = Field(default=Path("var"), validation_alias="JASA_DATA_DIR")
    port_base: int = Field(default=8000, validation_alias="JASA_PORT_BASE")
    secret: SecretStr | None = Field(
        default=None,
        validation_alias="JASA_SECRET",
        description="token signing; unset: generated into the data dir on first run",
    )
    previous_secrets: str = Field(
        default="",
        validation_alias="JASA_PREVIOUS_SECRETS",
        description="comma-separated older secrets whose tokens are still accepted (rotation)",
    )
    office: str = Field(default="1471", validation_alias="JASA_OFFICE")
    key_prefix: str = Field(
        default="", validation_alias="JASA_KEY_PREFIX", description="prefix of every Redis key"
    )
    env: str = Field(default="development", validation_alias="JASA_ENV")

    def previous_secret_list(self) -> list[str]:
        return [part.strip() for part in self.previous_secrets.split(",") if part.strip()]

    def require_redis_url(self) -> str:
        if not self.redis_url:
            raise RuntimeError("REDIS_URL is not set: start the system with `jasa up`")
        return self.redis_url


class ServiceSettings(CommonSettings):
    """One service's settings: its own database, its consumer group and its port."""

    service: str = "service"
    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("SERVICE_DATABASE_URL", "DATABASE_URL"),
        description="unset: an SQLite file under the data dir",
    )
    consumer_name: str | None = Field(default=None, validation_alias="JASA_CONSUMER_NAME")
    consumer_group: str | None = Field(
        default=None,
        validation_alias="JASA_CONSUMER_GROUP",
        description="unset: the service's name; another name reads the whole log afresh "
        "(e.g. a second instance rebuilding its read model to compare)",
    )
    claim_idle_ms: int = Field(default=5000, validation_alias="JASA_CLAIM_IDLE_MS")
    max_deliveries: int = Field(default=5, validation_alias="JASA_MAX_DELIVERIES")

    @property
    def port(self) -> int:
        return self.port_base + SERVICE_PORTS.get(self.service, 0)

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / f'{self.service}.db').resolve()}"
