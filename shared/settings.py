"""Settings come from the environment (pydantic-settings). Each service subclasses
`ServiceSettings`; nothing is read at import time, only when a settings object is built."""

import re
from pathlib import Path
from typing import Any

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.duties import DutyRule
from shared.letterhead import Letterhead, letterhead_for

SERVICE_PORTS = {"intake": 1, "approval": 2, "courier": 3, "reporting": 4}
OFFICE_CODE = re.compile(r"\d{2,8}")  # a region code: it names keys and hash tags


class CommonSettings(BaseSettings):
    """What every part of an installation shares."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    redis_url: str | None = Field(
        default=None,
        validation_alias="REDIS_URL",
        description="unset: `jasa up` starts its own durable Redis under the data dir",
    )
    data_dir: Path = Field(default=Path("var"), validation_alias="JASA_DATA_DIR")
    archive_database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "JASA_ARCHIVE_DATABASE_URL", "REPORTING_DATABASE_URL", "DATABASE_URL"
        ),
        description="the database of the audit archive, where the events trimmed from Redis "
        "are read back (`jasa log archive`); unset: reporting's, SQLite reporting.db under the "
        "data dir",
    )
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
    pii_key: SecretStr | None = Field(
        default=None,
        validation_alias="JASA_PII_KEY",
        description="base64 of 32 bytes: wraps the data keys of personal data in the log; "
        "unset: generated into the data dir on first run",
    )
    office: str = Field(default="1471", validation_alias="JASA_OFFICE")
    offices: str = Field(
        default="",
        validation_alias="JASA_OFFICES",
        description="comma-separated region codes this installation serves; unset: JASA_OFFICE",
    )
    key_prefix: str = Field(
        default="", validation_alias="JASA_KEY_PREFIX", description="prefix of every Redis key"
    )
    env: str = Field(default="development", validation_alias="JASA_ENV")
    letterheads: dict[str, Letterhead] = Field(
        default_factory=dict,
        validation_alias="JASA_LETTERHEADS",
        description='each office\'s kop surat, JSON such as {"1471": {"government": ..., '
        '"address": ..., "logo": "/etc/jasa/logo.png"}}; unset: Pekanbaru\'s for 1471',
    )
    public_url: str | None = Field(
        default=None,
        validation_alias="JASA_PUBLIC_URL",
        description="the reporting service as the public reaches it: tracking links "
        "(`<url>/lacak/<code>`) and a letter's QR code link there; unset: "
        "http://127.0.0.1:<port base + 4>",
    )
    office_address: str = Field(
        default="Kantor Dinas Kependudukan dan Pencatatan Sipil, Jl. Jenderal Sudirman, Pekanbaru",
        validation_alias="JASA_OFFICE_ADDRESS",
        description="where a citizen collects a document the courier brought back",
    )
    office_hours: str = Field(
        default="Senin-Jumat pukul 08.00-15.00 WIB",
        validation_alias="JASA_OFFICE_HOURS",
        description="when the office hands returned documents over",
    )
    redis_cluster: bool | None = Field(
        default=None,
        validation_alias="JASA_REDIS_CLUSTER",
        description="whether Redis is a cluster; unset: asked of the server (INFO cluster)",
    )
    redis_replicas_ack: int | None = Field(
        default=None,
        ge=0,
        validation_alias="JASA_REDIS_REPLICAS_ACK",
        description="replicas that must hold an append before it is answered; unset: 0 on "
        "a single server, 1 on a cluster",
    )
    redis_replicas_wait_ms: int = Field(
        default=1000,
        ge=1,
        validation_alias="JASA_REDIS_REPLICAS_WAIT_MS",
        description="how long an append waits for those replicas before it is answered 503",
    )

    @field_validator("office")
    @classmethod
    def _a_region_code(cls, value: str) -> str:
        return region_code(value)

    @field_validator("offices")
    @classmethod
    def _region_codes(cls, value: str) -> str:
        for code in _codes(value):
            region_code(code)
        return value

    def served_offices(self) -> list[str]:
        """The offices this installation serves, in the order given; JASA_OFFICE when unset."""
        return _codes(self.offices) or [self.office]

    def default_office(self) -> str:
        """The office a command acts for when none is named: JASA_OFFICE if served."""
        served = self.served_offices()
        return self.office if self.office in served else served[0]

    def letterhead(self, office: str) -> Letterhead:
        return letterhead_for(self.letterheads, office)

    def public_reporting_url(self) -> str:
        """Where anyone holding a paper checks it: the reporting service's public address."""
        base = self.public_url or f"http://127.0.0.1:{self.port_base + SERVICE_PORTS['reporting']}"
        return base.rstrip("/")

    def tracking_link(self, tracking_code: str) -> str:
        """The public tracking page of one code, as printed on the receipt and sent."""
        return f"{self.public_reporting_url()}/lacak/{tracking_code}"

    def previous_secret_list(self) -> list[str]:
        return [part.strip() for part in self.previous_secrets.split(",") if part.strip()]

    @property
    def private_redis_url_file(self) -> Path:
        """Where a running `jasa up` that started its own Redis writes that Redis's URL."""
        return Path(self.data_dir) / "redis" / "url"

    def installation_redis_url(self) -> str | None:
        """The Redis a command run beside the services talks to: REDIS_URL, else the private
        Redis that `jasa up` runs for this data dir (None when neither is there)."""
        if self.redis_url:
            return self.redis_url
        try:
            return self.private_redis_url_file.read_text().strip() or None
        except OSError:
            return None

    def resolved_archive_url(self) -> str:
        if self.archive_database_url:
            return self.archive_database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'reporting.db').resolve()}"

    def require_redis_url(self) -> str:
        if not self.redis_url:
            raise RuntimeError("REDIS_URL is not set: start the system with `jasa up`")
        return self.redis_url


def database_url_of(service: str) -> Any:
    """The `database_url` field of one service's settings: `<SERVICE>_DATABASE_URL` over
    `DATABASE_URL`, else an SQLite file named after the service."""
    return Field(
        default=None,
        validation_alias=AliasChoices(f"{service.upper()}_DATABASE_URL", "DATABASE_URL"),
        description=f"unset: an SQLite file {service}.db under the data dir",
    )


class ServiceSettings(CommonSettings):
    """One service's settings: its own database, its consumer group and its port."""

    service: str = "service"
    database_url: str | None = database_url_of("service")
    consumer_name: str | None = Field(default=None, validation_alias="JASA_CONSUMER_NAME")
    consumer_group: str | None = Field(
        default=None,
        validation_alias="JASA_CONSUMER_GROUP",
        description="unset: the service's name; another name reads the whole log afresh "
        "(e.g. a second instance rebuilding its read model to compare)",
    )
    claim_idle_ms: int = Field(default=5000, validation_alias="JASA_CLAIM_IDLE_MS")
    max_deliveries: int = Field(default=5, validation_alias="JASA_MAX_DELIVERIES")
    read_wait_s: float = Field(
        default=5.0,
        gt=0,
        validation_alias="JASA_READ_WAIT_S",
        description="how long a read waits for the read model to apply a position it was "
        "given (`Jasa-Read-After`) before it answers 503",
    )
    redis_connections: int = Field(
        default=1000,
        ge=1,
        validation_alias="JASA_REDIS_CONNECTIONS",
        description="the most connections one service process opens to Redis at once",
    )

    session_idle_s: int = Field(
        default=30 * 60,
        ge=1,
        validation_alias="JASA_SESSION_IDLE_S",
        description="a page session ends after this many seconds without a request",
    )
    session_absolute_s: int = Field(
        default=12 * 3600,
        ge=1,
        validation_alias="JASA_SESSION_ABSOLUTE_S",
        description="a page session ends this many seconds after its sign-in, in any case",
    )
    sign_in_attempts: int = Field(
        default=5,
        ge=1,
        validation_alias="JASA_SIGN_IN_ATTEMPTS",
        description="failed sign-ins in a row that lock a username",
    )
    sign_in_lock_s: int = Field(
        default=15 * 60,
        ge=1,
        validation_alias="JASA_SIGN_IN_LOCK_S",
        description="how long a locked username stays locked",
    )
    public_urls: dict[str, str] = Field(
        default_factory=dict,
        validation_alias="JASA_PUBLIC_URLS",
        description="the address of each service's pages as a browser reaches them, JSON "
        'such as {"intake": "https://fo.example.go.id"}; unset: the host the browser used, '
        "on the service's port",
    )

    relaxed_duties: dict[str, frozenset[DutyRule]] = Field(
        default_factory=dict,
        validation_alias="JASA_RELAXED_DUTIES",
        description="the separation-of-duties rules each office relaxes, JSON such as "
        '{"1471": ["resolve-own-flag"]}; unset: every rule holds in every office',
    )

    @field_validator("relaxed_duties")
    @classmethod
    def _offices_by_region_code(
        cls, value: dict[str, frozenset[DutyRule]]
    ) -> dict[str, frozenset[DutyRule]]:
        for office in value:
            region_code(office)
        return value

    def separates_duties(self, office: str, rule: DutyRule) -> bool:
        """Whether `office` has the two steps `rule` names taken by two different officers."""
        return rule not in self.relaxed_duties.get(office, frozenset())

    @property
    def port(self) -> int:
        return self.port_base + SERVICE_PORTS.get(self.service, 0)

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / f'{self.service}.db').resolve()}"


def region_code(value: str) -> str:
    if not OFFICE_CODE.fullmatch(value):
        raise ValueError(f"an office is a region code of digits such as 1471, not {value!r}")
    return value


def _codes(text: str) -> list[str]:
    return list(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
