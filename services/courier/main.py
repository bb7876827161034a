"""Composition root of the courier service, for `uvicorn --factory`."""

from fastapi import FastAPI

from services.courier.config import CourierSettings
from services.courier.consumers import CONSUMED, projection
from services.courier.http import ROUTERS
from services.courier.queries import HandoverPublic
from services.courier.webhooks import dispatchers
from shared.events import Delivered, HandoverAccepted, Returned, ReturnReceived
from shared.service import ServiceSpec, create_service_app

SPEC = ServiceSpec(
    name="courier",
    title="Jasa Dukcapil — courier (third party): handover, delivery, return, return received",
    description=(
        "Handover exchange with the third party. Signed cover letters become handovers the "
        "courier accepts; each document is then delivered or returned, and returned ones are "
        "received back by the Kasubbag Umum. Ready handovers also go to the courier feed "
        "stream, read by the third party's own system through its own Redis user, and to "
        "its webhook endpoints as signed calls (Standard Webhooks v1). No NIK leaves the "
        "office."
    ),
    routers=ROUTERS,
    publishes=(HandoverAccepted, Delivered, Returned, ReturnReceived),
    consumes=CONSUMED,
    feed=HandoverPublic,
    projection=projection,
    workers=dispatchers,
)


def create_app(settings: CourierSettings | None = None) -> FastAPI:
    return create_service_app(SPEC, settings or CourierSettings())
