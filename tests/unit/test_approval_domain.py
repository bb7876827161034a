"""The cover letter's rules, without Redis or a database."""

import uuid
from datetime import UTC, datetime

import pytest
from pydantic_core import PydanticCustomError

from services.approval.domain import (
    Letter,
    LetterStatus,
    Register,
    draft_letter,
    drafted_letter,
    evolve_letter,
    evolve_register,
    register_year,
    reject_letter,
    sign_letter,
)
from services.approval.numbering import DEFAULT_PATTERN, BadPattern, LetterNumberPattern
from shared.errors import Conflict
from shared.events import (
    Actor,
    Envelope,
    EventData,
    LetterRejected,
    LetterSigned,
    new_event,
)
from shared.validation import NOTE_MAX, validate_reason
from shared.vocabulary import Role

KASUBBAG = Actor(officer_id="k-1", name="Budi Santoso", role=Role.KASUBBAG_UMUM)
SEKRETARIS = Actor(officer_id="s-1", name="Nurhayati", role=Role.SEKRETARIS)
PATTERN = LetterNumberPattern(DEFAULT_PATTERN)
NOW = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)


def stamped(
    data: EventData, actor: Actor, version: int = 1, event_id: uuid.UUID | None = None
) -> Envelope:
    event = new_event(
        data, stream_id="s", actor=actor, office="1471", event_id=event_id, occurred_at=NOW
    )
    return event.model_copy(update={"version": version})


def drafted(
    register: Register, recap_id: uuid.UUID, letters: list[Letter] | None = None
) -> Envelope:
    letter_id = uuid.uuid4()
    data = draft_letter(
        register,
        letters or [],
        letter_id=letter_id,
        recap_id=recap_id,
        pattern=PATTERN,
        office="1471",
        now=NOW,
    )
    return stamped(data, KASUBBAG, register.version + 1, event_id=letter_id)


def a_letter() -> Letter:
    return drafted_letter(drafted(Register(2026), uuid.uuid4()))


def sign(letter: Letter, by: Actor = SEKRETARIS, separate_duties: bool = True) -> LetterSigned:
    return sign_letter(letter, by=by.officer_id, separate_duties=separate_duties)


def reject(
    letter: Letter, reason: str, by: Actor = SEKRETARIS, separate_duties: bool = True
) -> LetterRejected:
    return reject_letter(letter, reason, by=by.officer_id, separate_duties=separate_duties)


def test_the_first_letter_of_the_year_is_number_one_in_the_default_pattern() -> None:
    assert drafted(Register(2026), uuid.uuid4()).data.letter_number == "470/Dukcapil-PDIP/0001/2026"  # type: ignore[attr-defined]


def test_each_draft_takes_the_next_number_of_the_register() -> None:
    register = Register(2026)
    numbers = []
    for _ in range(3):
        event = drafted(register, uuid.uuid4())
        numbers.append(event.data.letter_number)  # type: ignore[attr-defined]
        register = evolve_register(register, event)
    assert numbers == [f"470/Dukcapil-PDIP/{n:04d}/2026" for n in (1, 2, 3)]
    assert register.version == 3


def test_a_recap_with_a_letter_awaiting_signature_cannot_get_another() -> None:
    letter = a_letter()
    with pytest.raises(Conflict, match="awaiting the Sekretaris"):
        drafted(Register(2026), letter.recap_id, [letter])


def test_a_recap_with_a_signed_letter_cannot_get_another() -> None:
    letter = evolve_letter(a_letter(), stamped(sign(a_letter()), SEKRETARIS))
    with pytest.raises(Conflict, match="signed letter"):
        drafted(Register(2026), letter.recap_id, [letter])


def test_a_recap_whose_letters_were_all_rejected_can_be_drafted_again() -> None:
    letter = a_letter()
    rejected = evolve_letter(letter, stamped(reject(letter, "salah nama"), SEKRETARIS))
    again = drafted(Register(2026, version=1), letter.recap_id, [rejected])
    assert again.data.letter_number == "470/Dukcapil-PDIP/0002/2026"  # type: ignore[attr-defined]


def test_signing_a_letter_awaiting_signature_signs_it_and_records_who() -> None:
    letter = a_letter()
    signed = evolve_letter(letter, stamped(sign(letter), SEKRETARIS))
    assert signed.status is LetterStatus.SIGNED
    assert signed.signed_by == SEKRETARIS and signed.signed_at == NOW


def test_rejecting_a_letter_awaiting_signature_records_the_reason() -> None:
    letter = a_letter()
    rejected = evolve_letter(letter, stamped(reject(letter, "lampiran kurang"), SEKRETARIS))
    assert rejected.status is LetterStatus.REJECTED
    assert rejected.reason == "lampiran kurang" and not rejected.live


@pytest.mark.parametrize(
    ("first", "then", "sentence"),
    [
        ("sign", "sign", "already signed"),
        ("sign", "reject", "already signed and cannot be rejected"),
        ("reject", "sign", "was rejected and cannot be signed"),
        ("reject", "reject", "already rejected"),
    ],
)
def test_a_step_out_of_order_is_refused_with_a_sentence(
    first: str, then: str, sentence: str
) -> None:
    letter = a_letter()
    step = {"sign": sign, "reject": lambda lt: reject(lt, "alasan")}
    letter = evolve_letter(letter, stamped(step[first](letter), SEKRETARIS))
    with pytest.raises(Conflict, match=sentence):
        step[then](letter)


# The same person holding both roles: a token as Kasubbag Umum, another as Sekretaris.
DRAFTER_AS_SEKRETARIS = Actor(officer_id=KASUBBAG.officer_id, name="Budi", role=Role.SEKRETARIS)


@pytest.mark.parametrize("step", ["sign", "reject"])
def test_the_officer_who_drafted_a_letter_cannot_sign_or_reject_it(step: str) -> None:
    letter = a_letter()
    decide = {"sign": sign, "reject": lambda lt, by: reject(lt, "alasan", by)}[step]
    with pytest.raises(Conflict) as caught:
        decide(letter, DRAFTER_AS_SEKRETARIS)
    assert caught.value.detail == (
        f"letter {letter.letter_number} was drafted by you (officer k-1); the officer who "
        f"drafted a letter cannot also {step} it; another Sekretaris signs or rejects it"
    )


def test_an_office_that_relaxes_the_rule_lets_the_drafter_sign() -> None:
    letter = a_letter()
    signed = sign(letter, DRAFTER_AS_SEKRETARIS, separate_duties=False)
    assert signed.letter_id == letter.letter_id


def test_a_step_out_of_order_is_told_before_who_takes_it() -> None:
    letter = a_letter()
    letter = evolve_letter(letter, stamped(sign(letter), SEKRETARIS))
    with pytest.raises(Conflict, match="already signed"):
        sign(letter, DRAFTER_AS_SEKRETARIS)


def test_a_letter_belongs_to_the_year_of_a_pekanbaru_clock() -> None:
    assert register_year(datetime(2026, 12, 31, 17, 30, tzinfo=UTC)) == 2027
    assert register_year(datetime(2026, 12, 31, 16, 59, tzinfo=UTC)) == 2026


def test_a_pattern_may_carry_the_roman_month_and_the_office() -> None:
    pattern = LetterNumberPattern("470/{seq:03d}/Disdukcapil-{office}/{month_roman}/{year}")
    assert pattern.format(7, 2026, 11, "1471") == "470/007/Disdukcapil-1471/XI/2026"


@pytest.mark.parametrize(
    ("pattern", "complaint"),
    [
        ("470/{year}", "must contain {seq}"),
        ("470/{seq:04d}", "must contain {year}"),
        ("470/{seq}/{yeer}", "unknown field"),
        ("470/{seq:04d/{year}", "470/"),
        ("470/{seq:s}/{year}", "Unknown format code"),
        ("470/{seq:.0}/{year}", "470/"),
        ("{seq}" + "x" * 100 + "{year}", "at most 80"),
    ],
)
def test_an_unusable_pattern_is_refused_at_start(pattern: str, complaint: str) -> None:
    with pytest.raises(BadPattern, match=complaint.replace("{", r"\{").replace("}", r"\}")):
        LetterNumberPattern(pattern)


@pytest.mark.parametrize(
    ("text", "problem"),
    [("   ", "empty"), ("a" * (NOTE_MAX + 1), "at most"), ("salah\x00nama", "control")],
)
def test_a_reason_must_be_clean_text(text: str, problem: str) -> None:
    with pytest.raises(PydanticCustomError, match=problem):
        validate_reason(text)


def test_a_reason_is_trimmed() -> None:
    assert validate_reason("  nama pemohon salah ketik  ") == "nama pemohon salah ketik"
