"""When a webhook is tried again: the Standard Webhooks schedule with jitter, a receiver's
Retry-After honoured, and a message given up after its last attempt."""

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from shared.webhooks.policy import DeliveryPolicy, parse_duration, parse_schedule
from shared.webhooks.sender import retry_after

STANDARD = DeliveryPolicy()


def test_the_default_schedule_is_the_specifications() -> None:
    hours = 3600.0
    assert STANDARD.schedule == (5.0, 300.0, 1800.0, 2 * hours, 5 * hours, 10 * hours, 10 * hours)
    assert STANDARD.attempts == 8
    assert STANDARD.timeout_s == 15.0
    assert STANDARD.disable_after_s == 5 * 86400


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90", 90.0), ("1.5s", 1.5), ("200ms", 0.2), ("5m", 300.0), ("2h", 7200.0), ("5d", 432000.0)],
)
def test_durations_read_as_people_write_them(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "soon", "5 weeks", "-1s", ","])
def test_a_duration_or_schedule_that_means_nothing_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_schedule(text)


def test_each_retry_waits_its_scheduled_delay_moved_by_at_most_the_jitter() -> None:
    for failed, scheduled in enumerate(STANDARD.schedule, start=1):
        for _ in range(50):
            delay = STANDARD.next_delay(failed)
            assert delay is not None
            assert scheduled * 0.9 <= delay <= scheduled * 1.1


def test_after_the_last_attempt_there_is_no_next() -> None:
    assert STANDARD.next_delay(7) is not None
    assert STANDARD.next_delay(8) is None


def test_a_receivers_retry_after_is_never_come_back_sooner_than() -> None:
    policy = DeliveryPolicy(schedule=(0.2, 0.2), jitter=0)
    assert policy.next_delay(1, retry_after_s=30) == 30
    assert policy.next_delay(1, retry_after_s=0.1) == 0.2  # the schedule is later still
    assert policy.next_delay(1, retry_after_s=10**9) == 86400  # held no further than a day


def test_retry_after_is_read_as_seconds_or_as_an_http_date() -> None:
    now = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)
    assert retry_after("120", now) == 120
    assert retry_after(format_datetime(now + timedelta(minutes=2), usegmt=True), now) == 120
    assert retry_after(format_datetime(now - timedelta(minutes=2), usegmt=True), now) == 0
    assert retry_after("whenever", now) is None
    assert retry_after(None, now) is None


def test_an_endpoint_is_given_up_on_once_it_has_failed_for_five_days() -> None:
    assert not STANDARD.gives_up_on(5 * 86400 - 1)
    assert STANDARD.gives_up_on(5 * 86400)


def test_a_claimed_message_is_held_longer_than_a_call_can_last() -> None:
    assert STANDARD.lease_s > STANDARD.timeout_s
