"""Composition root of the reporting service, for `uvicorn --factory`."""

from dataclasses import replace
from functools import partial

from fastapi import FastAPI

from services.reporting.archive import seal_head
from services.reporting.archivist import Archivist
from services.reporting.config import Context, ReportingSettings
from services.reporting.http import ROUTERS
from services.reporting.sealing import Signing
from shared.consumer import Handler
from shared.events import CATALOGUE, Envelope
from shared.service import ServiceSpec, create_service_app


def projection(context: Context, signing: Signing) -> Handler:
    """One archivist per office served, each on its office's log with its office's seal."""
    settings = context.settings
    signing.load(settings, context.offices)  # refused in production unless it is given
    archivists = {
        office: Archivist(
            context.log_for(office),
            context.sessions,
            signing.sealer(office),
            settings.checkpoint_every,
        )
        for office in context.offices
    }

    async def handle(event: Envelope) -> None:
        await archivists[event.office](event)  # the consumer of that office's log hands it

    return handle


async def seal_on_shutdown(context: Context, signing: Signing) -> None:
    """Seal what was archived since the last checkpoint, so no tail is left unsigned."""
    for office in context.offices:
        async with context.sessions() as session:
            await seal_head(session, signing.sealer(office))


SPEC = ServiceSpec(
    name="reporting",
    title="Jasa Dukcapil - reporting (control card, audit)",
    description="Control cards, reports, audit log, verification and replay.",
    routers=ROUTERS,
    consumes=CATALOGUE,
)


def create_app(settings: ReportingSettings | None = None) -> FastAPI:
    signing = Signing()
    spec = replace(
        SPEC,
        projection=partial(projection, signing=signing),
        on_shutdown=[partial(seal_on_shutdown, signing=signing)],
    )
    app = create_service_app(spec, settings or ReportingSettings())
    app.state.signing = signing  # the audit routes' seal (`services.reporting.http`)
    return app
