"""The FO desk's pages: the registration form (`/`, the FO's landing page), the dossiers
with filters (`/berkas`), a dossier with its control card, flag and resolve
(`/berkas/{id}`), and the recap lists (`/rekapan`) with their printed PDF. Each handler
calls the same command and query functions as the JSON routes of `http.py`.

One module a screen: `registration`, `dossiers`, `recaps`; `common` holds their router,
labels and the refusals as an FO reads them."""

from services.intake.pages import dossiers, recaps, registration
from services.intake.pages.common import LABELS, pages

# Importing the screens' modules adds their routes to `pages`.
__all__ = ["LABELS", "dossiers", "pages", "recaps", "registration"]
