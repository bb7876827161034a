"""Composition root of the reporting service, for `uvicorn --factory`."""

from fastapi import FastAPI

from services.reporting.config import ReportingSettings
from shared.service import ServiceSpec, create_service_app

SPEC = ServiceSpec(
    name="reporting",
    title="Jasa Dukcapil - reporting (control card, audit)",
    description="Control cards, reports, audit log, verification and replay.",
    routers=[],
)


def create_app(settings: ReportingSettings | None = None) -> FastAPI:
    return create_service_app(SPEC, settings or ReportingSettings())
