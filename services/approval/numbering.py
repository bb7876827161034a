"""Letter numbers: the office's pattern, filled with the letter's place in the year's register.

The pattern is a Python format string with the fields `seq` (the letter's place in the
register of its year, from 1) and `year`, and optionally `month` and `month_roman` (the
month of drafting, as Indonesian letter numbers often carry it) and `office`. It is checked
once, when the service starts, so that a typo never reaches a printed letter."""

import string
from dataclasses import dataclass

DEFAULT_PATTERN = "470/Dukcapil-PDIP/{seq:04d}/{year}"
FIELDS = frozenset({"seq", "year", "month", "month_roman", "office"})
REQUIRED = frozenset({"seq", "year"})
MAX_NUMBER_LENGTH = 80
ROMAN_MONTHS = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")


class BadPattern(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class LetterNumberPattern:
    pattern: str

    def __post_init__(self) -> None:
        try:
            parsed = list(string.Formatter().parse(self.pattern))
        except ValueError as error:
            raise BadPattern(f"letter number pattern {self.pattern!r}: {error}") from error
        names = {name for _, name, _, _ in parsed if name is not None}
        unknown = names - FIELDS
        if unknown:
            raise BadPattern(
                f"letter number pattern {self.pattern!r} names unknown field(s) "
                f"{', '.join(sorted(unknown))}; it may use {', '.join(sorted(FIELDS))}"
            )
        missing = REQUIRED - names
        if missing:
            raise BadPattern(
                f"letter number pattern {self.pattern!r} must contain "
                f"{', '.join('{' + name + '}' for name in sorted(missing))}: "
                "without them two letters could get the same number"
            )
        try:
            samples = [self.format(1, 2026, 1, "1471"), self.format(99999, 2026, 12, "1471")]
        except (ValueError, TypeError, KeyError, IndexError) as error:
            raise BadPattern(f"letter number pattern {self.pattern!r}: {error}") from error
        if samples[0] == samples[1]:
            raise BadPattern(
                f"letter number pattern {self.pattern!r} gives every letter one number"
            )
        if any(not s.strip() or len(s) > MAX_NUMBER_LENGTH or not s.isprintable() for s in samples):
            raise BadPattern(
                f"letter number pattern {self.pattern!r} must give printable numbers of at most "
                f"{MAX_NUMBER_LENGTH} characters"
            )

    def format(self, seq: int, year: int, month: int, office: str) -> str:
        """The number of the `seq`-th letter of `year` (drafted in `month`)."""
        return self.pattern.format(
            seq=seq, year=year, month=month, month_roman=ROMAN_MONTHS[month - 1], office=office
        )
