"""What the approval desk reads: recaps by their letter status (`recaps`), letters by theirs
(`letters`), and the documents of a recap for its printed list. All from the read model
(eventually consistent), and always of one office: the officer's."""

from services.approval.queries.letters import (
    FixPublic,
    LetterPublic,
    LetterWithDocumentsPublic,
    OfficerPublic,
    last_rejections,
    letters_page,
    letters_with_documents,
)
from services.approval.queries.recaps import (
    DocumentPublic,
    RecapDetails,
    RecapPublic,
    RecapStatus,
    recap_details,
    recap_number_of,
    recaps_page,
)

__all__ = [
    "DocumentPublic",
    "FixPublic",
    "LetterPublic",
    "LetterWithDocumentsPublic",
    "OfficerPublic",
    "RecapDetails",
    "RecapPublic",
    "RecapStatus",
    "last_rejections",
    "letters_page",
    "letters_with_documents",
    "recap_details",
    "recap_number_of",
    "recaps_page",
]
