"""The cover letter (surat pengantar) and the office's letter register, as pure decisions.

Streams: `letter-register-<year>` is the year's register of outgoing letters (the buku
agenda surat keluar). Every LetterDrafted of that year is appended there, so a letter's
place in the register (its version in that stream) is its sequence number, decided in the
same atomic append as the event: numbers are unique and have no gaps. `letter-<letter_id>`
holds what happens to a letter afterwards: one LetterSigned or one LetterRejected, never
both. A letter's id is the event id of its LetterDrafted, so it can be found again."""

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from services.approval.numbering import LetterNumberPattern
from shared.errors import Conflict, Unprocessable
from shared.events import (
    Actor,
    Envelope,
    LetterDrafted,
    LetterRejected,
    LetterSigned,
    RejectionAddressed,
)
from shared.wib import to_wib


class LetterStatus(StrEnum):
    AWAITING_SIGNATURE = "AWAITING_SIGNATURE"
    SIGNED = "SIGNED"
    REJECTED = "REJECTED"


def register_stream(year: int) -> str:
    return f"letter-register-{year}"


def letter_stream(letter_id: UUID) -> str:
    return f"letter-{letter_id}"


def register_year(moment: datetime) -> int:
    """A letter belongs to the register of the year it is drafted in, on a Pekanbaru clock."""
    return to_wib(moment).year


@dataclass(frozen=True, slots=True)
class Letter:
    letter_id: UUID
    letter_number: str
    recap_id: UUID
    drafted_by: Actor
    drafted_at: datetime
    status: LetterStatus = LetterStatus.AWAITING_SIGNATURE
    signed_by: Actor | None = None
    signed_at: datetime | None = None
    rejected_by: Actor | None = None
    rejected_at: datetime | None = None
    reason: str | None = None
    correlation_id: UUID | None = None  # of the recap's story, carried on to sign/reject
    fixes: "Fix | None" = None  # a redraft: the rejection it answers, and what was fixed

    @property
    def live(self) -> bool:
        """Awaiting signature or signed: the recap has its letter."""
        return self.status is not LetterStatus.REJECTED


@dataclass(frozen=True, slots=True)
class Fix:
    """What a redraft fixed for the reason the letter before it was rejected."""

    rejected_letter_id: UUID
    rejected_letter_number: str
    fix: str


def drafted_letter(event: Envelope) -> Letter:
    """A letter as its LetterDrafted made it."""
    data = event.data
    if not isinstance(data, LetterDrafted):
        raise ValueError(f"a letter starts with LetterDrafted, not {event.type}")
    return Letter(
        letter_id=data.letter_id,
        letter_number=data.letter_number,
        recap_id=data.recap_id,
        drafted_by=event.actor,
        drafted_at=event.occurred_at,
        correlation_id=event.correlation_id,
    )


def evolve_letter(letter: Letter, event: Envelope) -> Letter:
    """A letter after one event of its own stream."""
    data = event.data
    if isinstance(data, LetterSigned):
        return replace(
            letter, status=LetterStatus.SIGNED, signed_by=event.actor, signed_at=event.occurred_at
        )
    if isinstance(data, LetterRejected):
        return replace(
            letter,
            status=LetterStatus.REJECTED,
            rejected_by=event.actor,
            rejected_at=event.occurred_at,
            reason=data.reason,
        )
    if isinstance(data, RejectionAddressed):
        fixed = Fix(data.rejected_letter_id, data.rejected_letter_number, data.fix)
        return replace(letter, fixes=fixed)
    return letter


@dataclass(frozen=True, slots=True)
class Register:
    """One year's register of outgoing letters: how many, and each recap's letters."""

    year: int
    version: int = 0
    letters_by_recap: dict[UUID, tuple[Letter, ...]] = field(default_factory=dict)

    def letters_of(self, recap_id: UUID) -> tuple[Letter, ...]:
        return self.letters_by_recap.get(recap_id, ())


def evolve_register(register: Register, event: Envelope) -> Register:
    if not isinstance(event.data, LetterDrafted):
        return register
    letter = drafted_letter(event)
    letters = dict(register.letters_by_recap)
    letters[letter.recap_id] = (*letters.get(letter.recap_id, ()), letter)
    return replace(register, version=register.version + 1, letters_by_recap=letters)


def draft_letter(
    register: Register,
    recap_letters: list[Letter],
    *,
    letter_id: UUID,
    recap_id: UUID,
    pattern: LetterNumberPattern,
    office: str,
    now: datetime,
) -> LetterDrafted:
    """Draft the next letter of the register for a recap that has no live letter.

    `recap_letters` are the recap's letters in every register it may appear in, with their
    fate (signed, rejected) already folded in."""
    for letter in recap_letters:
        if letter.status is LetterStatus.AWAITING_SIGNATURE:
            raise Conflict(
                f"recap {recap_id} already has letter {letter.letter_number} awaiting the "
                "Sekretaris's signature; it can be drafted again only if that letter is rejected"
            )
        if letter.status is LetterStatus.SIGNED:
            raise Conflict(
                f"recap {recap_id} already has signed letter {letter.letter_number}; "
                "a recap gets one signed letter"
            )
    if register.year != register_year(now):
        raise ValueError(f"a letter drafted now belongs to {register_year(now)}'s register")
    local = to_wib(now)
    number = pattern.format(register.version + 1, register.year, local.month, office)
    return LetterDrafted(letter_id=letter_id, letter_number=number, recap_id=recap_id)


def address_rejection(
    recap_letters: list[Letter], *, letter_id: UUID, recap_id: UUID, fix: str
) -> RejectionAddressed:
    """A redraft says what was fixed for the reason the recap's last letter was rejected."""
    rejected = [letter for letter in recap_letters if letter.status is LetterStatus.REJECTED]
    if not rejected:
        raise Unprocessable.field(
            "fix", f"recap {recap_id} has no rejected letter: there is nothing to fix"
        )
    last = max(rejected, key=lambda letter: letter.rejected_at or letter.drafted_at)
    return RejectionAddressed(
        letter_id=letter_id,
        rejected_letter_id=last.letter_id,
        rejected_letter_number=last.letter_number,
        recap_id=recap_id,
        fix=fix,
    )


def sign_letter(letter: Letter, *, by: str, separate_duties: bool) -> LetterSigned:
    """The Sekretaris signs a letter that awaits signature. `by` is the signing officer;
    `separate_duties`: this office keeps the drafter from signing their own letter."""
    if letter.status is LetterStatus.SIGNED:
        raise Conflict(f"letter {letter.letter_number} is already signed")
    if letter.status is LetterStatus.REJECTED:
        raise Conflict(
            f"letter {letter.letter_number} was rejected and cannot be signed; "
            "the Kasubbag Umum drafts a new letter for the recap"
        )
    _not_by_its_drafter(letter, by, "sign", separate_duties)
    return LetterSigned(
        letter_id=letter.letter_id, letter_number=letter.letter_number, recap_id=letter.recap_id
    )


def reject_letter(letter: Letter, reason: str, *, by: str, separate_duties: bool) -> LetterRejected:
    """The Sekretaris sends a letter awaiting signature back, saying why; the drafter may not
    judge their own letter where duties are separated."""
    if letter.status is LetterStatus.SIGNED:
        raise Conflict(f"letter {letter.letter_number} is already signed and cannot be rejected")
    if letter.status is LetterStatus.REJECTED:
        raise Conflict(f"letter {letter.letter_number} was already rejected")
    _not_by_its_drafter(letter, by, "reject", separate_duties)
    return LetterRejected(letter_id=letter.letter_id, recap_id=letter.recap_id, reason=reason)


def _not_by_its_drafter(letter: Letter, by: str, verb: str, separate_duties: bool) -> None:
    if separate_duties and by == letter.drafted_by.officer_id:
        raise Conflict(
            f"letter {letter.letter_number} was drafted by you (officer {by}); the officer "
            f"who drafted a letter cannot also {verb} it; another Sekretaris signs or rejects it"
        )
