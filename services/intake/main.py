"""Composition root of the intake service (FO desk), for `uvicorn --factory`."""

from fastapi import FastAPI

from services.intake.config import IntakeSettings
from services.intake.consumers import CONSUMED, projection
from services.intake.http import dossiers, recaps
from services.intake.pages import pages
from services.intake.projections import add_position_columns, index_dossiers_not_indexed
from services.intake.registry import IntakeRegistryEntry  # noqa: F401  (its table)
from shared.events import (
    DocumentFlagged,
    DocumentRegistered,
    DossierCorrected,
    FlagResolved,
    RecapCompiled,
)
from shared.service import ServiceSpec, create_service_app

SPEC = ServiceSpec(
    name="intake",
    title="Jasa Dukcapil - intake (FO)",
    description="Registry check, registration, flags and recap lists.",
    routers=[dossiers, recaps],
    pages=pages,
    publishes=[DocumentRegistered, DocumentFlagged, FlagResolved, DossierCorrected, RecapCompiled],
    consumes=CONSUMED,
    projection=projection,
    on_startup=[add_position_columns, index_dossiers_not_indexed],
)


def create_app(settings: IntakeSettings | None = None) -> FastAPI:
    return create_service_app(SPEC, settings or IntakeSettings())
