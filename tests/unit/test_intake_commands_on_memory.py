"""The FO desk's command handlers (services/intake/commands.py) run on the in-memory event
store: registration, flags and their resolution, recap lists. No Redis; the read model is a
real SQLite file (tests/unit/memory_context.py)."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services.courier.commands import record_delivery
from services.courier.domain import Proof
from services.courier.photos import checked_photo
from services.intake.commands import (
    commit_recap,
    compile_recap,
    flag_dossier,
    plan_recap,
    register_document,
    resolve_flag,
)
from services.intake.domain import dossier_slot, dossier_stream, recap_book_stream
from shared.duties import DutyRule
from shared.errors import Conflict, Forbidden, NotFound, Unprocessable
from shared.events import DocumentFlagged, DocumentRegistered, FlagResolved, RecapCompiled
from shared.identity import Officer
from shared.log import ConcurrencyConflict
from shared.privacy import is_sealed
from shared.vocabulary import DocumentType, FlagReason, Relationship, Role
from tests.door_support import photo
from tests.unit.memory_context import (
    ADDRESS,
    BLIND_INDEX,
    COURIER,
    FO,
    FO_ELSEWHERE,
    OFFICE,
    OTHER_FO,
    PHONE,
    MemoryInstallation,
    dossier_of,
    handed_over,
    installation_on_memory,
    kk,
    ktp,
    registered,
    registration,
)

RINA = ktp("1471014506900003", name="Rina Marlina")
DEWI = ktp("1471015203880001", name="Dewi Lestari")
UNSIGNED = ktp("1471016708950002", signed=False, name="Ahmad Fauzi")
FAMILY_CARD = kk("1471010101100001", "1471011205800004", name="Budi Santoso")


@pytest.fixture
async def office(tmp_path: Path, empty_read_model: Path) -> AsyncIterator[MemoryInstallation]:
    async with installation_on_memory(tmp_path, empty_read_model) as installation:
        yield installation


# --- registration -------------------------------------------------------------------------


async def test_a_registered_document_is_one_event_initialled_by_the_fo(
    office: MemoryInstallation,
) -> None:
    await office.load_registry(RINA)
    [event] = await register_document(office.intake, FO, registration(RINA))
    assert isinstance(event.data, DocumentRegistered)
    assert event.data.dossier_id == dossier_slot(
        BLIND_INDEX, OFFICE, DocumentType.KTP_EL, RINA.nik, 1
    )
    assert (event.data.nik, event.data.name, event.data.address, event.data.phone) == (
        RINA.nik,
        "Rina Marlina",
        ADDRESS,
        PHONE,
    )
    assert (event.actor, event.office, event.stream_id) == (
        FO.actor(),
        OFFICE,
        dossier_stream(event.data.dossier_id),
    )
    assert [e.event_id for e in await office.events()] == [event.event_id]


async def test_the_log_keeps_the_applicants_personal_data_sealed(
    office: MemoryInstallation,
) -> None:
    await office.load_registry(RINA)
    [event] = await register_document(office.intake, FO, registration(RINA))
    [record] = await office.stores[OFFICE].read()
    for clear in (RINA.nik, "Rina Marlina", "Sudirman", "81234567890"):
        assert clear.encode() not in record.body
    [stored] = await office.log().read()
    assert isinstance(stored.data, DocumentRegistered)
    assert is_sealed(stored.data.nik) and is_sealed(stored.data.document_number)
    [loaded] = await office.log().load(event.stream_id)
    assert loaded.data == event.data


async def test_an_unsigned_document_is_registered_and_flagged_in_the_same_step(
    office: MemoryInstallation,
) -> None:
    await office.load_registry(UNSIGNED)
    registered_event, flagged_event = await register_document(
        office.intake, FO, registration(UNSIGNED)
    )
    assert isinstance(flagged_event.data, DocumentFlagged)
    assert flagged_event.data.reason is FlagReason.UNSIGNED_DOCUMENT
    assert flagged_event.causation_id == registered_event.event_id
    assert flagged_event.correlation_id == registered_event.correlation_id
    assert [e.version for e in (registered_event, flagged_event)] == [1, 2]


async def test_a_document_not_in_the_registry_is_refused_and_nothing_is_written(
    office: MemoryInstallation,
) -> None:
    with pytest.raises(Unprocessable, match="not in the population registry") as refused:
        await register_document(office.intake, FO, registration(RINA))
    assert [error["field"] for error in refused.value.errors or []] == ["document_number"]
    assert RINA.nik not in refused.value.detail  # the number is a NIK: named masked
    assert await office.events() == []


async def test_a_document_the_registry_holds_under_another_nik_is_refused(
    office: MemoryInstallation,
) -> None:
    await office.load_registry(FAMILY_CARD)
    typed = registration(FAMILY_CARD, nik="1471010101900009")
    with pytest.raises(Unprocessable, match="under another NIK"):
        await register_document(office.intake, FO, typed)
    assert await office.events() == []


async def test_a_document_in_another_offices_registry_is_unknown_here(
    office: MemoryInstallation,
) -> None:
    await office.load_registry(RINA)  # Pekanbaru's registry
    with pytest.raises(Unprocessable, match="not in the population registry"):
        await register_document(office.intake, FO_ELSEWHERE, registration(RINA))


async def test_a_document_already_in_flight_cannot_be_registered_again(
    office: MemoryInstallation,
) -> None:
    [first] = await registered(office, RINA)
    with pytest.raises(Conflict, match=rf"in flight as dossier {first} \(REGISTERED\)"):
        await register_document(office.intake, OTHER_FO, registration(RINA))
    assert len(await office.events()) == 1


async def test_a_document_registered_a_moment_ago_is_in_flight_before_the_read_model_knows(
    office: MemoryInstallation,
) -> None:
    await office.load_registry(RINA)
    await register_document(office.intake, FO, registration(RINA))
    with pytest.raises(Conflict, match="just registered"):
        await register_document(office.intake, FO, registration(RINA))


async def test_of_two_fos_registering_one_document_at_once_one_wins_and_one_is_told_why(
    office: MemoryInstallation,
) -> None:
    await office.load_registry(RINA)
    # Both find the document's first slot free; the log lets one in, and the other, deciding
    # again on what the log holds now, finds the document in flight.
    outcomes = await asyncio.gather(
        register_document(office.intake, FO, registration(RINA)),
        register_document(office.intake, OTHER_FO, registration(RINA)),
        return_exceptions=True,
    )
    refusals = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(refusals) == 1 and "already in flight" in refusals[0].detail
    assert [e.type for e in await office.events()] == ["DocumentRegistered"]


async def test_a_delivered_document_can_be_registered_again_as_a_new_dossier(
    office: MemoryInstallation,
) -> None:
    await handed_over(office, RINA)
    first = dossier_of(RINA, 1)
    # Delivered without a receipt code: who took it, and a photo as proof.
    proof = Proof(recipient_name="Rina Marlina", relationship=Relationship.SELF)
    await record_delivery(
        office.courier, office.photos, COURIER, first, proof, checked_photo(photo())
    )
    await office.follow()
    [again] = await register_document(office.intake, FO, registration(RINA))
    assert again.data.dossier_id == dossier_slot(
        BLIND_INDEX, OFFICE, DocumentType.KTP_EL, RINA.nik, 2
    )  # type: ignore[attr-defined]


async def test_an_officer_of_an_office_not_served_here_is_refused(
    office: MemoryInstallation,
) -> None:
    stranger = Officer("1", "Orang Lain", Role.FO, "3171")
    with pytest.raises(Forbidden, match="does not serve office 3171"):
        await register_document(office.intake, stranger, registration(RINA))


# --- flags --------------------------------------------------------------------------------


async def test_a_flag_holds_the_dossier_back_with_its_reason_and_note(
    office: MemoryInstallation,
) -> None:
    [dossier_id] = await registered(office, RINA)
    event = await flag_dossier(
        office.intake, OTHER_FO, dossier_id, FlagReason.DATA_ENTRY_ERROR, "alamat salah ketik"
    )
    assert event.data == DocumentFlagged(
        dossier_id=dossier_id, reason=FlagReason.DATA_ENTRY_ERROR, note="alamat salah ketik"
    )
    assert (event.actor, event.stream_id, event.version) == (
        OTHER_FO.actor(),
        dossier_stream(dossier_id),
        2,
    )


async def test_a_flagged_dossier_cannot_be_flagged_twice(office: MemoryInstallation) -> None:
    [dossier_id] = await registered(office, RINA)
    await flag_dossier(office.intake, FO, dossier_id, FlagReason.OTHER, "foto buram")
    with pytest.raises(Conflict, match="already flagged"):
        await flag_dossier(office.intake, FO, dossier_id, FlagReason.OTHER, "lagi")
    assert len(await office.events()) == 2


async def test_a_dossier_in_a_recap_list_can_no_longer_be_flagged(
    office: MemoryInstallation,
) -> None:
    [dossier_id] = await registered(office, RINA)
    await compile_recap(office.intake, FO, DocumentType.KTP_EL)
    with pytest.raises(Conflict, match="already in a recap list"):
        await flag_dossier(office.intake, FO, dossier_id, FlagReason.OTHER, "terlambat")


async def test_flagging_an_unknown_dossier_is_not_found(office: MemoryInstallation) -> None:
    with pytest.raises(NotFound, match="there is no dossier"):
        await flag_dossier(office.intake, FO, uuid.uuid4(), FlagReason.OTHER, "?")


async def test_another_offices_dossier_is_not_found_for_its_fo(
    office: MemoryInstallation,
) -> None:
    [dossier_id] = await registered(office, RINA)
    with pytest.raises(NotFound):
        await flag_dossier(office.intake, FO_ELSEWHERE, dossier_id, FlagReason.OTHER, "?")
    assert await office.events(FO_ELSEWHERE.office) == []


async def test_another_fo_resolves_a_flag_and_the_dossier_may_go_out(
    office: MemoryInstallation,
) -> None:
    [dossier_id] = await registered(office, RINA)
    await flag_dossier(office.intake, FO, dossier_id, FlagReason.DATA_ENTRY_ERROR, "nama")
    event = await resolve_flag(office.intake, OTHER_FO, dossier_id, "sudah diperbaiki")
    assert event.data == FlagResolved(dossier_id=dossier_id, note="sudah diperbaiki")
    assert event.actor == OTHER_FO.actor()
    await office.follow()
    recap = await compile_recap(office.intake, FO, DocumentType.KTP_EL)
    assert recap.data.dossier_ids == (dossier_id,)  # type: ignore[attr-defined]


async def test_the_fo_who_raised_a_flag_cannot_resolve_it(office: MemoryInstallation) -> None:
    [dossier_id] = await registered(office, RINA)
    await flag_dossier(office.intake, FO, dossier_id, FlagReason.DATA_ENTRY_ERROR, "nama")
    with pytest.raises(Conflict, match="raised by you"):
        await resolve_flag(office.intake, FO, dossier_id, "sendiri")
    assert [e.type for e in await office.events()] == ["DocumentRegistered", "DocumentFlagged"]


async def test_an_office_that_relaxes_the_rule_lets_a_lone_fo_resolve_their_own_flag(
    tmp_path: Path, empty_read_model: Path
) -> None:
    async with installation_on_memory(
        tmp_path, empty_read_model, relaxed=[DutyRule.RESOLVE_OWN_FLAG]
    ) as office:
        [dossier_id] = await registered(office, RINA)
        await flag_dossier(office.intake, FO, dossier_id, FlagReason.DATA_ENTRY_ERROR, "nama")
        event = await resolve_flag(office.intake, FO, dossier_id, "sudah diperbaiki")
        assert isinstance(event.data, FlagResolved) and event.actor == FO.actor()


async def test_a_dossier_without_a_flag_has_nothing_to_resolve(
    office: MemoryInstallation,
) -> None:
    [dossier_id] = await registered(office, RINA)
    with pytest.raises(Conflict, match="not flagged"):
        await resolve_flag(office.intake, OTHER_FO, dossier_id, "?")


async def test_an_unsigned_document_stays_held_back_until_the_registry_says_signed(
    office: MemoryInstallation,
) -> None:
    [dossier_id] = await registered(office, UNSIGNED)
    with pytest.raises(Conflict, match=r"still lists KTP_EL .* as unsigned"):
        await resolve_flag(office.intake, OTHER_FO, dossier_id, "sudah ditandatangani")
    await office.load_registry(ktp(UNSIGNED.document_number, name=UNSIGNED.name))  # now signed
    event = await resolve_flag(office.intake, OTHER_FO, dossier_id, "sudah ditandatangani")
    assert isinstance(event.data, FlagResolved)


# --- recap lists --------------------------------------------------------------------------


async def test_a_recap_list_holds_every_waiting_unflagged_dossier_of_its_type(
    office: MemoryInstallation,
) -> None:
    rina, dewi, held, family = await registered(office, RINA, DEWI, UNSIGNED, FAMILY_CARD)
    recap = await compile_recap(office.intake, FO, DocumentType.KTP_EL)
    assert isinstance(recap.data, RecapCompiled)
    assert recap.data.document_type is DocumentType.KTP_EL
    assert recap.data.dossier_ids == (rina, dewi)
    assert held not in recap.data.dossier_ids and family not in recap.data.dossier_ids
    assert (recap.stream_id, recap.actor) == (recap_book_stream(DocumentType.KTP_EL), FO.actor())


async def test_with_no_dossier_waiting_a_recap_list_is_refused(
    office: MemoryInstallation,
) -> None:
    await registered(office, FAMILY_CARD)
    with pytest.raises(Conflict, match="no registered, unflagged KTP_EL dossier"):
        await compile_recap(office.intake, FO, DocumentType.KTP_EL)
    assert [e.type for e in await office.events()] == ["DocumentRegistered"]


async def test_a_dossier_goes_into_one_recap_list_only(office: MemoryInstallation) -> None:
    await registered(office, RINA)
    await compile_recap(office.intake, FO, DocumentType.KTP_EL)
    # The read model has not seen the recap yet and still proposes the dossier: the log refuses.
    with pytest.raises(Conflict, match="waiting for a recap list"):
        await compile_recap(office.intake, FO, DocumentType.KTP_EL)


async def test_a_dossier_flagged_after_the_read_model_saw_it_stays_out_of_the_recap(
    office: MemoryInstallation,
) -> None:
    rina, dewi = await registered(office, RINA, DEWI)
    await flag_dossier(office.intake, OTHER_FO, dewi, FlagReason.OTHER, "foto buram")
    recap = await compile_recap(office.intake, FO, DocumentType.KTP_EL)  # not followed
    assert recap.data.dossier_ids == (rina,)  # type: ignore[attr-defined]


async def test_a_recap_planned_before_a_flag_is_not_appended_after_it(
    office: MemoryInstallation,
) -> None:
    rina, dewi = await registered(office, RINA, DEWI)
    plan = await plan_recap(office.intake, FO, DocumentType.KTP_EL)
    await flag_dossier(office.intake, OTHER_FO, dewi, FlagReason.OTHER, "foto buram")
    with pytest.raises(ConcurrencyConflict):
        await commit_recap(office.intake, plan)
    assert "RecapCompiled" not in [e.type for e in await office.events()]
    recap = await compile_recap(office.intake, FO, DocumentType.KTP_EL)
    assert recap.data.dossier_ids == (rina,)  # type: ignore[attr-defined]


async def test_each_office_compiles_its_own_dossiers_only(office: MemoryInstallation) -> None:
    await registered(office, RINA)
    with pytest.raises(Conflict, match="no registered, unflagged KTP_EL dossier"):
        await compile_recap(office.intake, FO_ELSEWHERE, DocumentType.KTP_EL)
