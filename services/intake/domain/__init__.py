"""The FO desk's decisions, pure: a dossier (one document on its way to a citizen,
`dossiers`), the recap book of one document type (`recaps`), and what the population
registry says of a document and the registration it decides (`registration`).

Streams:
- `dossier-<uuid>`: DocumentRegistered, DocumentFlagged, FlagResolved, DossierCorrected.
  The n-th dossier of one document has a fixed, keyed id (`dossier_slot`), so two officers
  registering the same document at once both append to the same empty stream and the log
  lets only one in.
- `recapbook-<TYPE>`: RecapCompiled of one document type; its fold knows which dossiers
  were recapped, so no dossier ever lands in two recaps."""

from services.intake.domain.dossiers import (
    Correction,
    Dossier,
    decide_correction,
    decide_flag,
    decide_resolve,
    dossier_stream,
    evolve_dossier,
)
from services.intake.domain.recaps import (
    RecapBook,
    decide_recap,
    evolve_recap_book,
    recap_book_stream,
)
from services.intake.domain.registration import (
    Registration,
    RegistryEntry,
    check_against_registry,
    decide_registration,
    dossier_slot,
)

__all__ = [
    "Correction",
    "Dossier",
    "RecapBook",
    "Registration",
    "RegistryEntry",
    "check_against_registry",
    "decide_correction",
    "decide_flag",
    "decide_recap",
    "decide_registration",
    "decide_resolve",
    "dossier_slot",
    "dossier_stream",
    "evolve_dossier",
    "evolve_recap_book",
    "recap_book_stream",
]
