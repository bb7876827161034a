"""Settings of the intake service (environment; see the README)."""

from shared.context import ServiceContext
from shared.settings import ServiceSettings, database_url_of


class IntakeSettings(ServiceSettings):
    service: str = "intake"
    database_url: str | None = database_url_of("intake")


# What this service's use cases are handed: the shared context, typed by these settings.
Context = ServiceContext[IntakeSettings]
