"""Composition root of the reporting service, for `uvicorn --factory`."""

from fastapi import FastAPI

from services.reporting.archive import Archivist, seal_head
from services.reporting.config import ReportingSettings
from services.reporting.http import ROUTERS, sealer_of, settings_of
from services.reporting.sealing import Sealer, load_or_create_signing_key
from shared.consumer import Handler
from shared.events import EventData
from shared.service import ServiceContext, ServiceSpec, create_service_app


def projection(context: ServiceContext) -> Handler:
    settings = settings_of(context)
    secret = settings.audit_signing_key
    key = load_or_create_signing_key(
        secret.get_secret_value() if secret else None, settings.data_dir
    )
    context.extras["sealer"] = Sealer(key, context.office)
    return Archivist(context.log, context.sessions, sealer_of(context), settings.checkpoint_every)


async def seal_on_shutdown(context: ServiceContext) -> None:
    """Seal what was archived since the last checkpoint, so no tail is left unsigned."""
    async with context.sessions() as session:
        await seal_head(session, sealer_of(context))


SPEC = ServiceSpec(
    name="reporting",
    title="Jasa Dukcapil - reporting (control card, audit)",
    description="Control cards, reports, audit log, verification and replay.",
    routers=ROUTERS,
    consumes=tuple(EventData.registry.values()),
    projection=projection,
    on_shutdown=[seal_on_shutdown],
)


def create_app(settings: ReportingSettings | None = None) -> FastAPI:
    return create_service_app(SPEC, settings or ReportingSettings())
