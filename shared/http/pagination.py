"""Lists come as `{"items": [...], "next": cursor or null}`; the cursor is opaque."""

import base64
import re
from typing import Generic, TypeVar

from pydantic import BaseModel

from shared.errors import Unprocessable

T = TypeVar("T")
DEFAULT_LIMIT = 50
MAX_LIMIT = 500
NUMBER = re.compile(r"\d+")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next: str | None = None


def encode_cursor(value: str) -> str:
    return base64.urlsafe_b64encode(value.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> str | None:
    if cursor is None:
        return None
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, UnicodeDecodeError) as error:
        raise Unprocessable.field("cursor", "not a cursor this service gave out") from error


def cursor_value(cursor: str | None, shape: re.Pattern[str] = NUMBER) -> str | None:
    """What a cursor of ours carries, of the shape its list gives out: a cursor is not
    something to forge, so any other is refused (422)."""
    after = decode_cursor(cursor)
    if after is not None and not shape.fullmatch(after):
        raise Unprocessable.field("cursor", "not a cursor this service gave out")
    return after


def cursor_number(cursor: str | None) -> int | None:
    """The number a cursor of ours carries: a place in its list's order."""
    after = cursor_value(cursor)
    return int(after) if after is not None else None
