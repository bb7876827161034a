"""Composition root of the reporting service, for `uvicorn --factory`."""

from fastapi import FastAPI

from services.reporting.archive import seal_head
from services.reporting.archivist import Archivist
from services.reporting.config import ReportingSettings
from services.reporting.http import ROUTERS, sealer_of, settings_of
from services.reporting.sealing import Sealer, load_or_create_signing_key
from shared.consumer import Handler
from shared.events import CATALOGUE, Envelope
from shared.service import ServiceContext, ServiceSpec, create_service_app


def projection(context: ServiceContext) -> Handler:
    """One archivist per office served, each on its office's log with its office's seal."""
    settings = settings_of(context)
    key = load_or_create_signing_key(settings)  # refused in production unless it is given
    context.extras["sealers"] = {office: Sealer(key, office) for office in context.offices}
    archivists = {
        office: Archivist(
            context.log_for(office),
            context.sessions,
            sealer_of(context, office),
            settings.checkpoint_every,
        )
        for office in context.offices
    }

    async def handle(event: Envelope) -> None:
        await archivists[event.office](event)  # the consumer of that office's log hands it

    return handle


async def seal_on_shutdown(context: ServiceContext) -> None:
    """Seal what was archived since the last checkpoint, so no tail is left unsigned."""
    for office in context.offices:
        async with context.sessions() as session:
            await seal_head(session, sealer_of(context, office))


SPEC = ServiceSpec(
    name="reporting",
    title="Jasa Dukcapil - reporting (control card, audit)",
    description="Control cards, reports, audit log, verification and replay.",
    routers=ROUTERS,
    consumes=CATALOGUE,
    projection=projection,
    on_shutdown=[seal_on_shutdown],
)


def create_app(settings: ReportingSettings | None = None) -> FastAPI:
    return create_service_app(SPEC, settings or ReportingSettings())
