"""Composition root of the reporting service, for `uvicorn --factory`."""

from dataclasses import replace
from functools import partial

from fastapi import FastAPI

from services.reporting.config import ReportingSettings
from services.reporting.consumers import (
    CONSUMED,
    ArchiveSchedule,
    projection,
    seal_on_shutdown,
    upgrade_archive,
)
from services.reporting.http import ROUTERS
from services.reporting.pages import pages
from services.reporting.projections import add_step_columns
from services.reporting.sealing import Signing
from shared.service import ServiceSpec, create_service_app

SPEC = ServiceSpec(
    name="reporting",
    title="Jasa Dukcapil - reporting (control card, audit)",
    description="Control cards, reports, audit log, verification and replay.",
    routers=ROUTERS,
    pages=pages,
    consumes=CONSUMED,
    on_startup=[add_step_columns],
)


def create_app(settings: ReportingSettings | None = None) -> FastAPI:
    signing = Signing()
    schedule = ArchiveSchedule(signing)
    spec = replace(
        SPEC,
        projection=partial(projection, signing=signing),
        on_startup=[upgrade_archive, schedule.start],
        on_shutdown=[schedule.stop, partial(seal_on_shutdown, signing=signing)],
    )
    app = create_service_app(spec, settings or ReportingSettings())
    app.state.signing = signing  # the audit routes' seal (`services.reporting.http`)
    return app
