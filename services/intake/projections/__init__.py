"""Intake's read model (`tables`), how it follows the log (`applying`, a `page` of events
at a time), and what brings a read model written by an older intake up to date as the
service starts (`upgrades`)."""

from services.intake.projections.applying import (
    NotYetKnown,
    apply_event,
    apply_events,
)
from services.intake.projections.page import PAGE_ROWS, PAGE_STEPS
from services.intake.projections.tables import (
    PROJECTION,
    IntakeDossier,
    IntakeRecap,
    IntakeStep,
    sort_key,
)
from services.intake.projections.upgrades import (
    POSITION_COLUMNS,
    add_position_columns,
    index_dossiers_not_indexed,
)

__all__ = [
    "PAGE_ROWS",
    "PAGE_STEPS",
    "POSITION_COLUMNS",
    "PROJECTION",
    "IntakeDossier",
    "IntakeRecap",
    "IntakeStep",
    "NotYetKnown",
    "add_position_columns",
    "apply_event",
    "apply_events",
    "index_dossiers_not_indexed",
    "sort_key",
]
