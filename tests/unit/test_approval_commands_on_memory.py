"""The approval service's command handlers (services/approval/commands.py) run on the
in-memory event store: the Kasubbag Umum drafts cover letters, the Sekretaris signs or
rejects them. No Redis; the read model is a real SQLite file (tests/unit/memory_context.py)."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.approval.commands import draft_letter_for_recap, reject, sign
from services.approval.domain import LetterStatus, letter_stream, register_stream, register_year
from services.intake.commands import compile_recap
from shared.duties import DutyRule
from shared.errors import Conflict, NotFound
from shared.events import LetterDrafted, LetterRejected, LetterSigned
from shared.identity import Officer
from shared.vocabulary import DocumentType, Role
from tests.unit.memory_context import (
    FO,
    KASUBBAG,
    KASUBBAG_ELSEWHERE,
    OFFICE,
    OTHER_KASUBBAG,
    SEKRETARIS,
    SEKRETARIS_ELSEWHERE,
    MemoryInstallation,
    drafted,
    installation_on_memory,
    kk,
    ktp,
    recap_id_of,
    recapped,
    registered,
    signed,
)

RINA = ktp("1471014506900003", name="Rina Marlina")
DEWI = ktp("1471015203880001", name="Dewi Lestari")
FAMILY_CARD = kk("1471010101100001", "1471011205800004", name="Budi Santoso")
# The Kasubbag Umum who drafted the letters, standing in for the Sekretaris.
DRAFTER_AS_SEKRETARIS = Officer(KASUBBAG.officer_id, KASUBBAG.name, Role.SEKRETARIS, OFFICE)


def number(seq: int) -> str:
    return f"470/Dukcapil-PDIP/{seq:04d}/{register_year(datetime.now(UTC))}"


@pytest.fixture
async def office(tmp_path: Path, empty_read_model: Path) -> AsyncIterator[MemoryInstallation]:
    async with installation_on_memory(tmp_path, empty_read_model) as installation:
        yield installation


# --- drafting -----------------------------------------------------------------------------


async def test_a_drafted_letter_takes_the_next_number_of_the_years_register(
    office: MemoryInstallation,
) -> None:
    recap = await recapped(office, RINA, DEWI)
    drafted_letter = await draft_letter_for_recap(office.approval, KASUBBAG, recap_id_of(recap))
    letter = drafted_letter.result
    assert (letter.letter_number, letter.recap_id) == (number(1), recap_id_of(recap))
    assert letter.status is LetterStatus.AWAITING_SIGNATURE
    event = (await office.events())[-1]
    assert event.data == LetterDrafted(
        letter_id=letter.letter_id, letter_number=number(1), recap_id=recap_id_of(recap)
    )
    assert (event.event_id, event.actor, event.stream_id) == (
        letter.letter_id,
        KASUBBAG.actor(),
        register_stream(register_year(datetime.now(UTC))),
    )
    # The letter carries on the recap's story, and its position is the caller's to read after.
    assert (event.correlation_id, event.causation_id) == (recap.correlation_id, recap.event_id)
    assert drafted_letter.position == event.position


async def test_the_letters_of_two_recaps_are_numbered_one_after_the_other(
    office: MemoryInstallation,
) -> None:
    first = await drafted(office, RINA)
    second = await drafted(office, FAMILY_CARD)
    assert [first.letter_number, second.letter_number] == [number(1), number(2)]


async def test_two_letters_drafted_at_once_get_two_numbers_one_after_the_other(
    office: MemoryInstallation,
) -> None:
    first, second = await recapped(office, RINA), await recapped(office, FAMILY_CARD)
    letters = await asyncio.gather(
        draft_letter_for_recap(office.approval, KASUBBAG, recap_id_of(first)),
        draft_letter_for_recap(office.approval, OTHER_KASUBBAG, recap_id_of(second)),
    )
    assert sorted(letter.result.letter_number for letter in letters) == [number(1), number(2)]


async def test_a_recap_not_yet_followed_into_approvals_read_model_is_not_found(
    office: MemoryInstallation,
) -> None:
    await registered(office, RINA)
    recap = await compile_recap(office.intake, FO, DocumentType.KTP_EL)
    with pytest.raises(NotFound, match="has not reached approval yet"):
        await draft_letter_for_recap(office.approval, KASUBBAG, recap_id_of(recap))
    await office.follow()
    letter = await draft_letter_for_recap(office.approval, KASUBBAG, recap_id_of(recap))
    assert letter.result.recap_id == recap_id_of(recap)


async def test_an_unknown_recap_is_not_found(office: MemoryInstallation) -> None:
    with pytest.raises(NotFound, match="there is no recap"):
        await draft_letter_for_recap(office.approval, KASUBBAG, uuid.uuid4())


async def test_another_offices_recap_is_not_found_for_its_kasubbag(
    office: MemoryInstallation,
) -> None:
    recap = await recapped(office, RINA)
    with pytest.raises(NotFound, match="there is no recap"):
        await draft_letter_for_recap(office.approval, KASUBBAG_ELSEWHERE, recap_id_of(recap))
    assert await office.events(KASUBBAG_ELSEWHERE.office) == []


async def test_a_recap_whose_letter_awaits_signature_gets_no_second_letter(
    office: MemoryInstallation,
) -> None:
    letter = await drafted(office, RINA)
    with pytest.raises(Conflict, match=f"already has letter {letter.letter_number} awaiting"):
        await draft_letter_for_recap(office.approval, OTHER_KASUBBAG, letter.recap_id)
    assert [e.type for e in await office.events()].count("LetterDrafted") == 1


async def test_a_recap_with_a_signed_letter_gets_no_other(office: MemoryInstallation) -> None:
    letter = await signed(office, RINA)
    with pytest.raises(Conflict, match="a recap gets one signed letter"):
        await draft_letter_for_recap(office.approval, KASUBBAG, letter.recap_id)


async def test_a_rejected_letter_is_drafted_again_under_the_next_number(
    office: MemoryInstallation,
) -> None:
    letter = await drafted(office, RINA)
    await reject(office.approval, SEKRETARIS, letter.letter_id, "nomor rekapan salah")
    again = await draft_letter_for_recap(office.approval, KASUBBAG, letter.recap_id)
    assert again.result.letter_number == number(2)
    assert again.result.recap_id == letter.recap_id


# --- signing and rejecting ----------------------------------------------------------------


async def test_the_sekretaris_signs_a_letter_awaiting_signature(
    office: MemoryInstallation,
) -> None:
    letter = await drafted(office, RINA, DEWI)
    outcome = await sign(office.approval, SEKRETARIS, letter.letter_id)
    assert outcome.result.status is LetterStatus.SIGNED
    assert outcome.result.signed_by == SEKRETARIS.actor()
    event = (await office.events())[-1]
    assert event.data == LetterSigned(
        letter_id=letter.letter_id, letter_number=letter.letter_number, recap_id=letter.recap_id
    )
    assert (event.actor, event.stream_id, event.version) == (
        SEKRETARIS.actor(),
        letter_stream(letter.letter_id),
        1,
    )
    assert (event.causation_id, event.correlation_id) == (letter.letter_id, letter.correlation_id)
    assert outcome.position == event.position


async def test_a_rejection_sends_the_letter_back_with_its_reason(
    office: MemoryInstallation,
) -> None:
    letter = await drafted(office, RINA)
    outcome = await reject(office.approval, SEKRETARIS, letter.letter_id, "lampiran kurang")
    assert (outcome.result.status, outcome.result.reason) == (
        LetterStatus.REJECTED,
        "lampiran kurang",
    )
    event = (await office.events())[-1]
    assert event.data == LetterRejected(
        letter_id=letter.letter_id, recap_id=letter.recap_id, reason="lampiran kurang"
    )
    assert event.actor == SEKRETARIS.actor()


async def test_the_officer_who_drafted_a_letter_can_neither_sign_nor_reject_it(
    office: MemoryInstallation,
) -> None:
    letter = await drafted(office, RINA)
    before = await office.events()
    with pytest.raises(Conflict, match="cannot also sign it"):
        await sign(office.approval, DRAFTER_AS_SEKRETARIS, letter.letter_id)
    with pytest.raises(Conflict, match="cannot also reject it"):
        await reject(office.approval, DRAFTER_AS_SEKRETARIS, letter.letter_id, "sendiri")
    assert await office.events() == before


async def test_an_office_that_relaxes_the_rule_lets_the_drafter_sign(
    tmp_path: Path, empty_read_model: Path
) -> None:
    async with installation_on_memory(
        tmp_path, empty_read_model, relaxed=[DutyRule.SIGN_OWN_DRAFT]
    ) as office:
        letter = await drafted(office, RINA)
        outcome = await sign(office.approval, DRAFTER_AS_SEKRETARIS, letter.letter_id)
        assert outcome.result.status is LetterStatus.SIGNED


async def test_a_signed_letter_is_neither_signed_again_nor_rejected(
    office: MemoryInstallation,
) -> None:
    letter = await signed(office, RINA)
    with pytest.raises(Conflict, match="is already signed"):
        await sign(office.approval, SEKRETARIS, letter.letter_id)
    with pytest.raises(Conflict, match="already signed and cannot be rejected"):
        await reject(office.approval, SEKRETARIS, letter.letter_id, "terlambat")
    assert [e.type for e in await office.events()].count("LetterSigned") == 1


async def test_a_rejected_letter_is_neither_signed_nor_rejected_again(
    office: MemoryInstallation,
) -> None:
    letter = await drafted(office, RINA)
    await reject(office.approval, SEKRETARIS, letter.letter_id, "lampiran kurang")
    with pytest.raises(Conflict, match="was rejected and cannot be signed"):
        await sign(office.approval, SEKRETARIS, letter.letter_id)
    with pytest.raises(Conflict, match="was already rejected"):
        await reject(office.approval, SEKRETARIS, letter.letter_id, "lagi")


async def test_an_unknown_letter_is_not_found(office: MemoryInstallation) -> None:
    with pytest.raises(NotFound, match="there is no letter"):
        await sign(office.approval, SEKRETARIS, uuid.uuid4())
    with pytest.raises(NotFound, match="there is no letter"):
        await reject(office.approval, SEKRETARIS, uuid.uuid4(), "?")


async def test_another_offices_letter_is_not_found_for_its_sekretaris(
    office: MemoryInstallation,
) -> None:
    letter = await drafted(office, RINA)
    with pytest.raises(NotFound, match="there is no letter"):
        await sign(office.approval, SEKRETARIS_ELSEWHERE, letter.letter_id)
    assert "LetterSigned" not in [e.type for e in await office.events()]
