"""The approval unit's pages. The Kasubbag Umum's `/`: the recaps awaiting a letter, to draft
one; the Sekretaris's `/`: the letters awaiting signature with their documents, to sign. Both:
`/surat` (letters by status), a letter's page (where the Sekretaris rejects with a reason, and
the Kasubbag drafts again after a rejection) and its printed PDF. Each handler calls the same
command and query functions as the JSON routes of `http.py`.

One module a screen: `queues` (each desk's queue and the list of letters), `drafts` (the
Kasubbag's drafting), `letters` (a letter, and the Sekretaris's decision); `common` holds
their router, the roles they admit and their labels."""

from services.approval.pages import drafts, letters, queues
from services.approval.pages.common import pages

# Importing the screens' modules adds their routes to `pages`, in this order: a path is
# matched against the routes as they were added.
__all__ = ["drafts", "letters", "pages", "queues"]
