"""The courier's decisions, without Redis or a database: every step and every step out of order."""

import uuid

import pytest

from services.courier.domain import (
    Delivery,
    Handover,
    LetterFacts,
    Outcome,
    Proof,
    accept_handover,
    deliver,
    evolve_delivery,
    evolve_handover,
    receive_return,
    return_document,
)
from shared.errors import Conflict, Unprocessable
from shared.events import Actor, Envelope, EventData, ReturnReceived, new_event
from shared.vocabulary import Relationship, ReturnReason, Role

COURIER = Actor(officer_id="kurir-7", name="Andi Kurir", role=Role.COURIER)
KASUBBAG = Actor(officer_id="197502022000031002", name="Budi Santoso", role=Role.KASUBBAG_UMUM)
LETTER_ID, RECAP_ID = uuid.uuid4(), uuid.uuid4()
DOSSIER_ID, OTHER_DOSSIER_ID = uuid.uuid4(), uuid.uuid4()
PHOTO = "ab" * 32  # the SHA-256 of a photo proof


def letter(*, signed: bool = True, rejected: bool = False, known_recap: bool = True) -> LetterFacts:
    return LetterFacts(
        letter_id=LETTER_ID,
        letter_number="470/Dukcapil-PDIP/0001/2026",
        recap_id=RECAP_ID,
        signed=signed,
        rejected=rejected,
        dossier_ids=(DOSSIER_ID,) if known_recap else None,
    )


def stamped(data: EventData, actor: Actor) -> Envelope:
    return new_event(data, stream_id="s", actor=actor, office="1471")


def applied(data: EventData) -> Envelope:
    return stamped(data, COURIER)


ACCEPTED = evolve_handover(Handover(), applied(accept_handover(Handover(), letter())))


def delivered(state: Delivery = Delivery(), handover: Handover = ACCEPTED) -> Delivery:
    proof = Proof(recipient_name="Rina Marlina", relationship=Relationship.SELF, photo_sha256=PHOTO)
    data = deliver(
        state, handover, dossier_id=DOSSIER_ID, letter_id=LETTER_ID, proof=proof, max_attempts=2
    )
    return evolve_delivery(state, applied(data))


def returned(
    state: Delivery = Delivery(),
    handover: Handover = ACCEPTED,
    reason: ReturnReason = ReturnReason.RECIPIENT_NOT_HOME,
    note: str = "rumah kosong",
) -> Delivery:
    data = return_document(
        state, handover, dossier_id=DOSSIER_ID, letter_id=LETTER_ID, reason=reason, note=note
    )
    return evolve_delivery(state, applied(data))


def receive(
    state: Delivery, by: str = KASUBBAG.officer_id, separate_duties: bool = True
) -> ReturnReceived:
    return receive_return(state, dossier_id=DOSSIER_ID, by=by, separate_duties=separate_duties)


def received_back(state: Delivery) -> Delivery:
    return evolve_delivery(state, stamped(receive(state), KASUBBAG))


def test_accepting_a_signed_letter_takes_every_document_of_its_recap() -> None:
    accepted = accept_handover(Handover(), letter())
    assert (accepted.letter_id, accepted.recap_id, accepted.dossier_ids) == (
        LETTER_ID,
        RECAP_ID,
        (DOSSIER_ID,),
    )
    assert ACCEPTED == Handover(accepted=True, dossier_ids=(DOSSIER_ID,))


@pytest.mark.parametrize(
    ("the_letter", "handover", "why"),
    [
        (letter(signed=False), Handover(), "not signed yet"),
        (letter(rejected=True), Handover(), "was rejected"),
        (letter(known_recap=False), Handover(), "not known here yet"),
        (letter(), ACCEPTED, "already accepted"),
    ],
)
def test_a_handover_is_accepted_only_once_and_only_when_signed(
    the_letter: LetterFacts, handover: Handover, why: str
) -> None:
    with pytest.raises(Conflict, match=why):
        accept_handover(handover, the_letter)


def test_an_accepted_document_can_be_delivered() -> None:
    assert delivered() == Delivery(Outcome.DELIVERED, LETTER_ID)


def test_an_accepted_document_can_be_returned_and_then_received_back() -> None:
    assert (returned().outcome, returned().letter_id) == (Outcome.RETURNED, LETTER_ID)
    back = received_back(returned())
    assert (back.outcome, back.letter_id) == (Outcome.RECEIVED_BACK, LETTER_ID)


def test_nothing_is_delivered_or_returned_before_the_handover_is_accepted() -> None:
    with pytest.raises(Conflict, match="not been accepted"):
        delivered(handover=Handover())
    with pytest.raises(Conflict, match="not been accepted"):
        returned(handover=Handover())


def test_a_document_outside_the_accepted_handover_cannot_be_delivered() -> None:
    other = Handover(accepted=True, dossier_ids=(OTHER_DOSSIER_ID,))
    with pytest.raises(Conflict, match="not been accepted"):
        delivered(handover=other)


def test_a_document_is_delivered_once() -> None:
    with pytest.raises(Conflict, match="already delivered"):
        delivered(delivered())


def test_a_delivered_document_cannot_be_returned() -> None:
    with pytest.raises(Conflict, match="was delivered; it cannot be returned"):
        returned(delivered())


def test_a_returned_document_must_come_back_to_the_office_before_delivery() -> None:
    with pytest.raises(Conflict, match="has to come back to the office"):
        delivered(returned())
    with pytest.raises(Conflict, match="has to come back to the office"):
        returned(returned())


def test_a_document_back_at_the_office_is_neither_delivered_nor_returned_again() -> None:
    back = received_back(returned())
    with pytest.raises(Conflict, match="back at the office"):
        delivered(back)
    with pytest.raises(Conflict, match="back at the office"):
        returned(back)


def test_only_a_returned_document_is_received_back_and_only_once() -> None:
    with pytest.raises(Conflict, match="was not returned"):
        receive(Delivery())
    with pytest.raises(Conflict, match="was not returned"):
        receive(delivered())
    with pytest.raises(Conflict, match="already received back"):
        receive(received_back(returned()))


def test_whoever_returned_a_document_as_courier_cannot_receive_it_back() -> None:
    back = returned()
    assert back.returned_by == COURIER.officer_id
    with pytest.raises(Conflict) as caught:
        receive(back, by=COURIER.officer_id)
    assert caught.value.detail == (
        f"document {DOSSIER_ID} was returned by you (officer kurir-7) as courier; the officer "
        "who returned a document cannot also receive it back; another Kasubbag Umum receives it"
    )


def test_an_office_that_relaxes_the_rule_lets_the_same_officer_receive_it_back() -> None:
    received = receive(returned(), by=COURIER.officer_id, separate_duties=False)
    assert received == ReturnReceived(dossier_id=DOSSIER_ID, letter_id=LETTER_ID)


def test_a_return_for_another_reason_must_say_why() -> None:
    with pytest.raises(Unprocessable) as problem:
        returned(reason=ReturnReason.OTHER, note="")
    assert [error["field"] for error in problem.value.errors or []] == ["note"]
    assert returned(reason=ReturnReason.OTHER, note="anjing galak").outcome is Outcome.RETURNED
