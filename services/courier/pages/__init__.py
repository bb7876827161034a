"""The courier's pages, made for a 360x740 phone: the ready handovers to accept (`/`), the
round of accepted ones (`/antaran`) and each document's page, where its outcome is recorded
(delivered or returned); and the Kasubbag Umum's returned documents to receive back
(`/kembali`: `/returns` is the JSON API's). Each page calls the same command and query
functions as the JSON routes (`services.courier.http`), so the two can never disagree.

The queues poll their own part of the page (`/bagian/...`, every 5 s). A poll carries the
fingerprint of what it shows; when nothing changed it is answered 204 and htmx swaps
nothing, so a button is not replaced under the officer's thumb.

One module a screen: `handovers` (the queues and a letter's manifest), `door` (a document at
the citizen's door), `returns` (the Kasubbag Umum's); `common` holds their router."""

from services.courier.pages import door, handovers, returns
from services.courier.pages.common import pages

# Importing the screens' modules adds their routes to `pages`.
__all__ = ["door", "handovers", "pages", "returns"]
