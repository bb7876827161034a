"""Composition root of the intake service (FO desk), for `uvicorn --factory`."""

from fastapi import FastAPI

from services.intake.config import IntakeSettings
from shared.service import ServiceSpec, create_service_app

SPEC = ServiceSpec(
    name="intake",
    title="Jasa Dukcapil - intake (FO)",
    description="Registry check, registration, flags and recap lists.",
    routers=[],
)


def create_app(settings: IntakeSettings | None = None) -> FastAPI:
    return create_service_app(SPEC, settings or IntakeSettings())
