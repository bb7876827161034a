"""Settings of the approval service (environment; see the README)."""

from pydantic import AliasChoices, Field

from shared.settings import ServiceSettings


class ApprovalSettings(ServiceSettings):
    service: str = "approval"
    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("APPROVAL_DATABASE_URL", "DATABASE_URL"),
        description="unset: an SQLite file approval.db under the data dir",
    )
