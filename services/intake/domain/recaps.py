"""The recap book of one document type (`recapbook-<TYPE>`): the RecapCompiled events of
that type, folded into which dossiers were recapped, so no dossier ever lands in two
recaps; and the decision that compiles the next recap list."""

import uuid
from dataclasses import dataclass
from typing import Any

from services.intake.domain.dossiers import Dossier
from shared.errors import Conflict
from shared.events import Envelope, RecapCompiled
from shared.vocabulary import DocumentType


def recap_book_stream(document_type: DocumentType) -> str:
    return f"recapbook-{document_type.value}"


@dataclass(frozen=True, slots=True)
class RecapBook:
    recapped: frozenset[uuid.UUID] = frozenset()


def evolve_recap_book(state: RecapBook, event: Envelope) -> RecapBook:
    data: Any = event.data
    if isinstance(data, RecapCompiled):
        return RecapBook(recapped=state.recapped | set(data.dossier_ids))
    return state


def decide_recap(
    book: RecapBook,
    document_type: DocumentType,
    candidates: list[Dossier],
    recap_id: uuid.UUID,
) -> RecapCompiled:
    """Every registered, unflagged, not yet recapped dossier of one type; none is a 409."""
    chosen = tuple(
        dossier.dossier_id
        for dossier in candidates
        if dossier.dossier_id is not None
        and dossier.document_type == document_type
        and not dossier.flagged
        and dossier.dossier_id not in book.recapped
    )
    if not chosen:
        raise Conflict(
            f"there is no registered, unflagged {document_type.value} dossier waiting for a "
            "recap list"
        )
    return RecapCompiled(recap_id=recap_id, document_type=document_type, dossier_ids=chosen)
