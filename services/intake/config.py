"""Settings of the intake service (environment; see the README)."""

from pydantic import AliasChoices, Field

from shared.settings import ServiceSettings


class IntakeSettings(ServiceSettings):
    service: str = "intake"
    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("INTAKE_DATABASE_URL", "DATABASE_URL"),
        description="unset: an SQLite file intake.db under the data dir",
    )
