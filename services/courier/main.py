"""Composition root of the courier service, for `uvicorn --factory`."""

from fastapi import FastAPI

from services.courier.config import CourierSettings
from shared.service import ServiceSpec, create_service_app

SPEC = ServiceSpec(
    name="courier",
    title="Jasa Dukcapil -  handover, delivery, return, return received.:courier (third party)",
    description="Handover exchange with the third party",
    routers=[],
)


def create_app(settings: CourierSettings | None = None) -> FastAPI:
    return create_service_app(SPEC, settings or CourierSettings())
