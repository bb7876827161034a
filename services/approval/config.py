"""Settings of the approval service (environment; see the README)."""

from pydantic import AliasChoices, Field, field_validator

from services.approval.numbering import DEFAULT_PATTERN, LetterNumberPattern
from shared.service import ServiceContext
from shared.settings import ServiceSettings


class ApprovalSettings(ServiceSettings):
    service: str = "approval"
    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("APPROVAL_DATABASE_URL", "DATABASE_URL"),
        description="unset: an SQLite file approval.db under the data dir",
    )
    letter_number_pattern: str = Field(
        default=DEFAULT_PATTERN,
        validation_alias="JASA_LETTER_NUMBER_PATTERN",
        description="format of letter numbers; fields {seq} and {year} required, "
        "{month}, {month_roman} and {office} optional",
    )

    @field_validator("letter_number_pattern")
    @classmethod
    def _a_pattern_that_numbers_letters(cls, value: str) -> str:
        LetterNumberPattern(value)  # raises with a sentence when it is unusable
        return value

    @property
    def letter_numbers(self) -> LetterNumberPattern:
        return LetterNumberPattern(self.letter_number_pattern)


# What this service's use cases are handed: the shared context, typed by these settings.
Context = ServiceContext[ApprovalSettings]
