"""Times are stored in UTC and shown in WIB (Waktu Indonesia Barat, UTC+7), the way an
officer in Pekanbaru reads a clock, with Indonesian month names on printed papers."""

from datetime import UTC, datetime, timedelta, timezone

WIB = timezone(timedelta(hours=7), "WIB")
MONTHS = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)


def as_utc(moment: datetime) -> datetime:
    """A stored moment in UTC (SQLite hands them back without their zone)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def to_wib(moment: datetime) -> datetime:
    return moment.astimezone(WIB)


def wib_iso(moment: datetime) -> str:
    """ISO 8601 with the +07:00 offset, for JSON."""
    return to_wib(moment).isoformat(timespec="seconds")


def tanggal(moment: datetime) -> str:
    """`24 November 2026`, as a date is written on an Indonesian letter."""
    local = to_wib(moment)
    return f"{local.day} {MONTHS[local.month - 1]} {local.year}"


def tanggal_jam(moment: datetime) -> str:
    """`24 November 2026 09:15 WIB`."""
    return f"{tanggal(moment)} {to_wib(moment):%H:%M} WIB"
