"""The FO desk's decisions, without Redis or a database."""

import uuid

import pytest

from services.intake.domain import (
    Dossier,
    RecapBook,
    Registration,
    RegistryEntry,
    check_against_registry,
    decide_flag,
    decide_recap,
    decide_registration,
    decide_resolve,
    dossier_slot,
    evolve_dossier,
    evolve_recap_book,
)
from shared.blind_index import BlindIndex
from shared.errors import Conflict, Unprocessable
from shared.events import (
    DocumentFlagged,
    DocumentRegistered,
    FlagResolved,
    RecapCompiled,
    new_event,
)
from shared.vocabulary import DocumentType, DossierStatus, FlagReason
from tests.factories import FO

KTP = DocumentType.KTP_EL
INDEX = BlindIndex.from_master_key(b"k" * 32)
NIK = "1471015708450001"
REGISTRATION = Registration(NIK, "Rina", "Jl. Sudirman 1", "+6281234567890", KTP, "KTP-1")
SIGNED = RegistryEntry(KTP, "KTP-1", NIK, "Rina", signed=True)
UNSIGNED = RegistryEntry(KTP, "KTP-1", NIK, "Rina", signed=False)


def fold(*events: object) -> Dossier:
    state = Dossier()
    for data in events:
        state = evolve_dossier(state, new_event(data, stream_id="s", actor=FO, office="1471"))  # type: ignore[arg-type]
    return state


def registered(dossier_id: uuid.UUID, document_type: DocumentType = KTP) -> DocumentRegistered:
    return DocumentRegistered(
        dossier_id=dossier_id,
        nik=NIK,
        name="Rina",
        address="Jl. Sudirman 1",
        phone="+6281234567890",
        document_type=document_type,
        document_number="KTP-1",
    )


OTHER_FO = "198502022010012002"


def flagged_by_fo(reason: FlagReason) -> Dossier:
    """A registered dossier that FO flagged for `reason`."""
    dossier_id = uuid.uuid4()
    flag = DocumentFlagged(dossier_id=dossier_id, reason=reason, note="")
    return fold(registered(dossier_id), flag)


def resolve(
    state: Dossier,
    note: str = "",
    *,
    by: str = OTHER_FO,
    separate_duties: bool = True,
    registry: list[RegistryEntry] | None = None,
) -> FlagResolved:
    """Resolve as another FO would, in a strict office, with the document signed."""
    return decide_resolve(
        state,
        note,
        by=by,
        separate_duties=separate_duties,
        registry=[SIGNED] if registry is None else registry,
    )


# --- the registry ------------------------------------------------------------------------


def test_a_document_that_matches_the_registry_passes() -> None:
    assert check_against_registry(REGISTRATION, [SIGNED]) is SIGNED


def test_a_document_missing_from_the_registry_is_refused_on_its_number() -> None:
    with pytest.raises(Unprocessable) as caught:
        check_against_registry(REGISTRATION, [])
    assert caught.value.errors == [
        {"field": "document_number", "message": caught.value.errors[0]["message"]}
    ]
    assert "not in the population registry" in caught.value.detail


def test_a_document_of_another_type_is_refused_on_its_type() -> None:
    with pytest.raises(Unprocessable) as caught:
        check_against_registry(
            REGISTRATION, [RegistryEntry(DocumentType.KK, "KTP-1", NIK, "R", True)]
        )
    assert caught.value.errors[0]["field"] == "document_type"
    assert "as KK, not KTP_EL" in caught.value.detail


def test_a_document_held_under_another_nik_is_refused_on_the_nik() -> None:
    other = RegistryEntry(KTP, "KTP-1", "1471011708450001", "Rina", True)
    with pytest.raises(Unprocessable) as caught:
        check_against_registry(REGISTRATION, [other])
    assert caught.value.errors[0]["field"] == "nik"


# --- registration --------------------------------------------------------------------------


def test_a_signed_document_is_registered_alone() -> None:
    dossier_id = uuid.uuid4()
    (event,) = decide_registration(dossier_id, REGISTRATION, SIGNED, None)
    assert isinstance(event, DocumentRegistered)
    assert event.dossier_id == dossier_id and event.phone == "+6281234567890"


def test_an_unsigned_document_is_registered_and_flagged_together() -> None:
    registered_event, flag = decide_registration(uuid.uuid4(), REGISTRATION, UNSIGNED, None)
    assert isinstance(registered_event, DocumentRegistered)
    assert isinstance(flag, DocumentFlagged) and flag.reason == FlagReason.UNSIGNED_DOCUMENT


@pytest.mark.parametrize(
    "status", [None, *(s for s in DossierStatus if s not in ("DELIVERED", "RECEIVED_BACK"))]
)
def test_a_document_still_in_flight_cannot_be_registered_again(
    status: DossierStatus | None,
) -> None:
    previous = uuid.uuid4()
    with pytest.raises(Conflict) as caught:
        decide_registration(uuid.uuid4(), REGISTRATION, SIGNED, (previous, status))
    assert str(previous) in caught.value.detail


@pytest.mark.parametrize("status", [DossierStatus.DELIVERED, DossierStatus.RECEIVED_BACK])
def test_a_finished_document_can_be_registered_again(status: DossierStatus) -> None:
    events = decide_registration(uuid.uuid4(), REGISTRATION, SIGNED, (uuid.uuid4(), status))
    assert len(events) == 1


def test_each_dossier_of_a_document_has_its_own_fixed_slot() -> None:
    first = dossier_slot(INDEX, "1471", KTP, "KTP-1", 1)
    assert first == dossier_slot(INDEX, "1471", KTP, "KTP-1", 1)
    assert first != dossier_slot(INDEX, "1471", KTP, "KTP-1", 2)
    assert first != dossier_slot(INDEX, "1471", DocumentType.KK, "KTP-1", 1)
    assert first != dossier_slot(INDEX, "1472", KTP, "KTP-1", 1)


def test_a_dossier_id_cannot_be_recomputed_from_a_nik_without_the_installations_key() -> None:
    # A KTP-el's number is its holder's NIK: anyone could hash a NIK, no one else has the key.
    ours = dossier_slot(INDEX, "1471", KTP, NIK, 1)
    theirs = dossier_slot(BlindIndex.from_master_key(bytes(32)), "1471", KTP, NIK, 1)
    assert ours != theirs
    assert NIK not in str(ours) and ours.version == 8
    assert all(
        ours != uuid.uuid5(namespace, f"1471/KTP_EL/{NIK}/1")
        for namespace in (uuid.NAMESPACE_DNS, uuid.NAMESPACE_OID, uuid.NAMESPACE_URL)
    )


# --- flags ---------------------------------------------------------------------------------


def test_a_registered_dossier_can_be_flagged_and_resolved() -> None:
    dossier_id = uuid.uuid4()
    state = fold(registered(dossier_id))
    flag = decide_flag(state, False, FlagReason.DATA_ENTRY_ERROR, "nama salah")
    assert flag.reason == FlagReason.DATA_ENTRY_ERROR
    flagged = fold(registered(dossier_id), flag)
    assert flagged.flagged
    resolved = resolve(flagged, "sudah dibetulkan")
    assert not fold(registered(dossier_id), flag, resolved).flagged


def test_a_flagged_dossier_cannot_be_flagged_twice() -> None:
    dossier_id = uuid.uuid4()
    state = fold(
        registered(dossier_id),
        DocumentFlagged(dossier_id=dossier_id, reason=FlagReason.OTHER, note=""),
    )
    with pytest.raises(Conflict, match="already flagged"):
        decide_flag(state, False, FlagReason.OTHER, "")


def test_a_dossier_in_a_recap_cannot_be_flagged() -> None:
    with pytest.raises(Conflict, match="already in a recap"):
        decide_flag(fold(registered(uuid.uuid4())), True, FlagReason.OTHER, "")


def test_a_flag_that_is_not_there_cannot_be_resolved() -> None:
    dossier_id = uuid.uuid4()
    with pytest.raises(Conflict, match="not flagged"):
        resolve(fold(registered(dossier_id)))
    twice = fold(
        registered(dossier_id),
        DocumentFlagged(dossier_id=dossier_id, reason=FlagReason.OTHER, note=""),
        FlagResolved(dossier_id=dossier_id, note=""),
    )
    with pytest.raises(Conflict, match="not flagged"):
        resolve(twice)


def test_the_officer_who_raised_a_flag_cannot_resolve_it() -> None:
    state = flagged_by_fo(FlagReason.DATA_ENTRY_ERROR)
    assert state.flagged_by == FO.officer_id
    with pytest.raises(Conflict) as caught:
        resolve(state, by=FO.officer_id)
    assert f"raised by you (officer {FO.officer_id})" in caught.value.detail
    assert "another FO resolves it" in caught.value.detail


def test_another_officer_resolves_a_flag() -> None:
    resolved = resolve(flagged_by_fo(FlagReason.DATA_ENTRY_ERROR), by=OTHER_FO)
    assert isinstance(resolved, FlagResolved)


def test_an_office_that_relaxes_the_rule_lets_the_officer_resolve_their_own_flag() -> None:
    state = flagged_by_fo(FlagReason.OTHER)
    assert isinstance(resolve(state, by=FO.officer_id, separate_duties=False), FlagResolved)


def test_an_unsigned_document_stays_flagged_while_the_registry_lists_it_unsigned() -> None:
    state = flagged_by_fo(FlagReason.UNSIGNED_DOCUMENT)
    with pytest.raises(Conflict) as caught:
        resolve(state, registry=[UNSIGNED])
    assert "the population registry still lists KTP_EL *TP-1 as unsigned" in caught.value.detail
    assert "jasa registry load" in caught.value.detail


def test_an_unsigned_document_the_registry_no_longer_holds_stays_flagged() -> None:
    with pytest.raises(Conflict, match="no longer holds"):
        resolve(flagged_by_fo(FlagReason.UNSIGNED_DOCUMENT), registry=[])


def test_an_unsigned_document_is_released_once_the_registry_lists_it_signed() -> None:
    resolved = resolve(flagged_by_fo(FlagReason.UNSIGNED_DOCUMENT), registry=[SIGNED])
    assert isinstance(resolved, FlagResolved)


def test_a_registry_entry_of_another_type_does_not_sign_the_document() -> None:
    other_type = RegistryEntry(DocumentType.KK, "KTP-1", NIK, "Rina", signed=True)
    with pytest.raises(Conflict, match="no longer holds"):
        resolve(flagged_by_fo(FlagReason.UNSIGNED_DOCUMENT), registry=[other_type])


def test_a_flag_for_another_reason_does_not_ask_the_registry() -> None:
    resolved = resolve(flagged_by_fo(FlagReason.DATA_ENTRY_ERROR), registry=[UNSIGNED])
    assert isinstance(resolved, FlagResolved)


# --- recaps --------------------------------------------------------------------------------


def test_a_recap_takes_every_waiting_unflagged_dossier_of_its_type() -> None:
    waiting, flagged_id, recapped, other_type = (uuid.uuid4() for _ in range(4))
    candidates = [
        fold(registered(waiting)),
        fold(
            registered(flagged_id),
            DocumentFlagged(dossier_id=flagged_id, reason=FlagReason.OTHER, note=""),
        ),
        fold(registered(recapped)),
        fold(registered(other_type, DocumentType.KIA)),
        Dossier(),
    ]
    book = RecapBook(recapped=frozenset({recapped}))
    recap = decide_recap(book, KTP, candidates, uuid.uuid4())
    assert recap.dossier_ids == (waiting,)


def test_a_recap_with_nothing_waiting_is_refused() -> None:
    with pytest.raises(Conflict, match="no registered, unflagged KTP_EL dossier"):
        decide_recap(RecapBook(), KTP, [], uuid.uuid4())


def test_the_recap_book_remembers_every_recapped_dossier() -> None:
    first, second = uuid.uuid4(), uuid.uuid4()
    book = RecapBook()
    for ids in ((first,), (second,)):
        data = RecapCompiled(recap_id=uuid.uuid4(), document_type=KTP, dossier_ids=ids)
        book = evolve_recap_book(book, new_event(data, stream_id="b", actor=FO, office="1471"))
    assert book.recapped == {first, second}
    with pytest.raises(Conflict):
        decide_recap(book, KTP, [fold(registered(first)), fold(registered(second))], uuid.uuid4())
