"""Settings of the reporting service (environment; see the README)."""

from pydantic import AliasChoices, Field

from shared.settings import ServiceSettings


class ReportingSettings(ServiceSettings):
    service: str = "reporting"
    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("REPORTING_DATABASE_URL", "DATABASE_URL"),
        description="unset: an SQLite file reporting.db under the data dir",
    )
