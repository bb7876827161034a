"""How webhooks are delivered: the retry schedule, the timeout, when a failing endpoint is
disabled, and how long things are kept. Pure: no I/O, so the decisions are tested alone."""

import random
import re
from dataclasses import dataclass

# The Standard Webhooks schedule: after the first attempt fails, 5 s, 5 min, 30 min, 2 h,
# 5 h, 10 h and 10 h (eight attempts in all).
STANDARD_SCHEDULE = "5s,5m,30m,2h,5h,10h,10h"
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_DURATION = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*")
# A receiver asking to be left alone longer than this is held to it no further.
LONGEST_RETRY_AFTER_S = 86400.0


def parse_duration(text: str) -> float:
    """Seconds in `text`: `90`, `1.5s`, `200ms`, `5m`, `2h`, `5d`."""
    match = _DURATION.fullmatch(text)
    if match is None:
        raise ValueError(f"{text!r} is not a duration such as 5s, 200ms, 5m, 2h or 5d")
    return float(match.group(1)) * _UNITS[match.group(2) or "s"]


def parse_schedule(text: str) -> tuple[float, ...]:
    """The delays before each retry, comma-separated durations."""
    delays = tuple(parse_duration(part) for part in text.split(",") if part.strip())
    if not delays:
        raise ValueError("a retry schedule needs at least one delay")
    return delays


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    schedule: tuple[float, ...] = parse_schedule(STANDARD_SCHEDULE)
    timeout_s: float = 15.0
    jitter: float = 0.1  # each delay is moved by up to this fraction, either way
    disable_after_s: float = 5 * 86400.0  # an endpoint failing this long is disabled
    rotation_grace_s: float = 86400.0  # a rotated secret still signs this long
    retention_s: float = 30 * 86400.0  # a delivered message is kept this long (for replay)
    concurrency: int = 64  # calls in flight at once, per office
    poll_s: float = 1.0  # the longest a dispatcher sleeps before it looks for due messages

    @property
    def attempts(self) -> int:
        return len(self.schedule) + 1

    @property
    def lease_s(self) -> float:
        """How long a claimed message is held by its dispatcher: past it, a dispatcher that
        died while sending is assumed gone and another sends the message again."""
        return 2 * self.timeout_s + 5

    def next_delay(self, failed_attempts: int, retry_after_s: float | None = None) -> float | None:
        """Seconds until the next attempt after `failed_attempts` failures; None when the
        message has used all its attempts. A receiver's `Retry-After` is honoured: the next
        attempt never comes sooner than it asked."""
        if failed_attempts >= self.attempts:
            return None
        delay = self.schedule[failed_attempts - 1]
        delay *= 1 + random.uniform(-self.jitter, self.jitter)
        if retry_after_s is not None:
            delay = max(delay, min(retry_after_s, LONGEST_RETRY_AFTER_S))
        return delay

    def gives_up_on(self, failing_for_s: float) -> bool:
        """Whether an endpoint that has failed for this long (no success since) is disabled."""
        return failing_for_s >= self.disable_after_s
