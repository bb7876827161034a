"""Composition root of the courier service, for `uvicorn --factory`."""

from dataclasses import replace

from fastapi import FastAPI

from services.courier.config import Context, CourierSettings
from services.courier.consumers import CONSUMED, projection
from services.courier.http import ROUTERS
from services.courier.notifications import Notifications
from services.courier.pages import pages
from services.courier.photo_stores import photo_store
from services.courier.photos import PhotoStoreUnusable
from services.courier.projections import add_columns
from services.courier.queries import HandoverPublic
from services.courier.webhooks import dispatchers
from shared.events import (
    Delivered,
    DeliveryAttemptFailed,
    HandoverAccepted,
    OutForDelivery,
    ReceiptCodeRefused,
    Returned,
    ReturnReceived,
)
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
        "office. At the door: out for delivery (the citizen is sent a receipt code), failed "
        "attempts, and delivery with the code or with photo proof; the citizen is sent a "
        "message at registration, out for delivery, delivery and return."
    ),
    routers=ROUTERS,
    pages=pages,
    publishes=(
        HandoverAccepted,
        OutForDelivery,
        DeliveryAttemptFailed,
        ReceiptCodeRefused,
        Delivered,
        Returned,
        ReturnReceived,
    ),
    consumes=CONSUMED,
    feed=HandoverPublic,
    projection=projection,
    on_startup=(add_columns,),
    uploads=(r"/deliveries/[^/]+/delivered", r"/antaran/[^/]+/diserahkan"),
    workers=dispatchers,
)


def create_app(settings: CourierSettings | None = None) -> FastAPI:
    settings = settings or CourierSettings()
    try:
        photos = photo_store(settings)
    except PhotoStoreUnusable as error:
        raise SystemExit(f"jasa courier: refusing to start: {error}") from None

    # A bucket that is missing or refuses us stops the start, before any request needs it.
    async def check_photos(_: Context) -> None:
        await photos.check()

    async def close_photos(_: Context) -> None:
        await photos.aclose()

    # The citizen's messages go out from a task of each app, started after the tables exist.
    notifications = Notifications()
    spec = replace(
        SPEC,
        on_startup=(check_photos, *SPEC.on_startup, notifications.start),
        on_shutdown=(*SPEC.on_shutdown, notifications.stop, close_photos),
    )
    app = create_service_app(spec, settings)
    app.state.photos = photos
    return app
