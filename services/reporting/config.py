"""Settings of the reporting service (environment; see the README)."""

from pydantic import Field, SecretStr, field_validator

from shared.context import ServiceContext
from shared.settings import ServiceSettings, database_url_of

SOP_STANDARD_SECONDS = 60  # the SOP's quality standard: one minute for each activity
SOP_STEPS = (1, 2, 3, 4, 5)


class ReportingSettings(ServiceSettings):
    service: str = "reporting"
    database_url: str | None = database_url_of("reporting")
    checkpoint_every: int = Field(
        default=1000,
        ge=1,
        validation_alias="JASA_CHECKPOINT_EVERY",
        description="seal the audit chain with a signed checkpoint every N events",
    )
    audit_signing_key: SecretStr | None = Field(
        default=None,
        validation_alias="JASA_AUDIT_SIGNING_KEY",
        description="Ed25519 private key (base64 of its 32 bytes, or PEM); required in "
        "production; unset elsewhere: reporting-signing.key generated under the data dir",
    )
    hot_days: int = Field(
        default=90,
        ge=0,
        validation_alias="JASA_HOT_DAYS",
        description="`jasa log archive`: events of finished dossiers older than this many days "
        "(and sealed by a signed checkpoint) leave Redis for the archive",
    )
    trim_step: int = Field(
        default=500,
        ge=1,
        validation_alias="JASA_TRIM_STEP",
        description="`jasa log archive`: events taken out of Redis in one atomic step; Redis "
        "serves others between steps",
    )
    archive_lock_lease_s: float = Field(
        default=30,
        gt=0,
        validation_alias="JASA_ARCHIVE_LOCK_LEASE",
        description="`jasa log archive`: a run renews its lock every third of this many seconds; "
        "the lock of a run killed outright lapses after it",
    )
    archive_every_s: float = Field(
        default=86400,
        ge=0,
        validation_alias="JASA_ARCHIVE_EVERY",
        description="the reporting service runs `jasa log archive` every N seconds, the first "
        "time N seconds after it starts; 0: never",
    )
    step_standard_seconds: dict[int, int] = Field(
        default_factory=dict,
        validation_alias="JASA_STEP_STANDARD_SECONDS",
        description='standard time per SOP step, JSON such as {"1": 60, "4": 86400}; '
        "steps not named keep the SOP's 60 seconds",
    )

    @field_validator("step_standard_seconds")
    @classmethod
    def _known_steps(cls, value: dict[int, int]) -> dict[int, int]:
        unknown = sorted(set(value) - set(SOP_STEPS))
        if unknown:
            raise ValueError(f"the SOP has steps 1 to 5, not {unknown}")
        if any(seconds < 0 for seconds in value.values()):
            raise ValueError("a standard time cannot be negative")
        return value

    def standards(self) -> dict[int, int]:
        """The standard seconds of every SOP step, the SOP's minute where none is set."""
        return {
            step: self.step_standard_seconds.get(step, SOP_STANDARD_SECONDS) for step in SOP_STEPS
        }


# What this service's use cases are handed: the shared context, typed by these settings.
Context = ServiceContext[ReportingSettings]
