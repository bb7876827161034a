"""Read-your-writes over HTTP. A command's answer carries the log position of its last event
(`Jasa-Log-Position`); a request that sends a position back (`Jasa-Read-After`, which a
browser session can send through htmx's `hx-headers`) is answered only once this service's
read model of the caller's office has applied it, or with a 503 once the wait is over.

A position is a Redis stream id of the office's one log, so a position from any service's
answer may be given to any other service of the same office."""

import re
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Header, Response

from shared.aggregate import Committed
from shared.errors import Unprocessable
from shared.http.deps import ContextDep, CurrentOfficer

LOG_POSITION = "Jasa-Log-Position"
READ_AFTER = "Jasa-Read-After"
POSITION_PATTERN = r"^\d{1,20}-\d{1,20}$"
_POSITION = re.compile(POSITION_PATTERN)
_LARGEST_PART = 2**64 - 1  # a Redis stream id is two unsigned 64-bit integers
R = TypeVar("R")


def position_of(text: str) -> str:
    """A position as Redis writes it; ValueError for anything that is not one."""
    if not _POSITION.match(text):
        raise ValueError("not a log position")
    milliseconds, sequence = (int(part) for part in text.split("-"))
    if milliseconds > _LARGEST_PART or sequence > _LARGEST_PART:
        raise ValueError("not a log position")
    return f"{milliseconds}-{sequence}"


async def read_after(
    context: ContextDep,
    officer: CurrentOfficer,
    position: Annotated[
        str | None,
        Header(
            alias=READ_AFTER,
            description=f"A `{LOG_POSITION}` from an earlier answer: this request is answered "
            "once this service shows that write (a 503 with `Retry-After` if it takes longer "
            "than the service's bound).",
            examples=["1764000000000-0"],
        ),
    ] = None,
) -> None:
    """Wait for the caller's own write to be in this service's read model, when asked to."""
    if position is None:
        return
    try:
        wanted = position_of(position.strip())
    except ValueError:
        raise Unprocessable.field(
            READ_AFTER, f"a log position such as 1764000000000-0, as `{LOG_POSITION}` gives it"
        ) from None
    await context.read_model_reached(officer.office, wanted)


# For a router's `dependencies=`: every route of it honours `Jasa-Read-After`.
READS_AFTER = Depends(read_after)


def answers_with_position(status: int = 200) -> dict[int | str, dict[str, Any]]:
    """For a command's `responses=`: its answer carries `Jasa-Log-Position`."""
    header = {
        "description": f"The log position of the command's last event; send it back as "
        f"`{READ_AFTER}` to read your own write.",
        "schema": {"type": "string", "pattern": POSITION_PATTERN},
    }
    return {status: {"headers": {LOG_POSITION: header}}}


def tell_position(response: Response, position: str | None) -> None:
    """Put the position of the command's last event on its answer."""
    assert position is not None, "an appended event has its position"
    response.headers[LOG_POSITION] = position


def answered(response: Response, committed: Committed[R]) -> R:
    """A command's result as its route answers it, the log position told on the answer."""
    tell_position(response, committed.position)
    return committed.result
