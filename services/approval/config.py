"""Settings of the approval service (environment; see the README)."""

from pydantic import Field, field_validator

from services.approval.numbering import DEFAULT_PATTERN, LetterNumberPattern
from shared.context import ServiceContext
from shared.settings import ServiceSettings, database_url_of


class ApprovalSettings(ServiceSettings):
    service: str = "approval"
    database_url: str | None = database_url_of("approval")
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
