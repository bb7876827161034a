"""Free text an officer types (a rejection's reason): trimmed, bounded, no control
characters. Private to approval until `shared/validation.py` offers the same."""

import unicodedata
from typing import Annotated

from pydantic import AfterValidator

REASON_MAX_LENGTH = 500


def clean_text(value: str, max_length: int) -> str:
    text = unicodedata.normalize("NFC", value).strip()
    if not text:
        raise ValueError("must not be empty")
    if len(text) > max_length:
        raise ValueError(f"must be at most {max_length} characters")
    if any(unicodedata.category(char).startswith("C") for char in text):
        raise ValueError("must not contain control characters")
    return text


def _reason(value: str) -> str:
    return clean_text(value, REASON_MAX_LENGTH)


Reason = Annotated[str, AfterValidator(_reason)]
