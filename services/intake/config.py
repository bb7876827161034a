"""Settings of the intake service (environment; see the README)."""

from pydantic import AliasChoices, Field

from shared.service import ServiceContext
from shared.settings import ServiceSettings


class IntakeSettings(ServiceSettings):
    service: str = "intake"
    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("INTAKE_DATABASE_URL", "DATABASE_URL"),
        description="unset: an SQLite file intake.db under the data dir",
    )


# What this service's use cases are handed: the shared context, typed by these settings.
Context = ServiceContext[IntakeSettings]
