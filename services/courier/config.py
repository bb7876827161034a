"""Settings of the courier service (environment; see the README)."""

from pydantic import AliasChoices, Field

from shared.service import ServiceContext
from shared.settings import ServiceSettings


class CourierSettings(ServiceSettings):
    service: str = "courier"
    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("COURIER_DATABASE_URL", "DATABASE_URL"),
        description="unset: an SQLite file courier.db under the data dir",
    )


# What this service's use cases are handed: the shared context, typed by these settings.
Context = ServiceContext[CourierSettings]
