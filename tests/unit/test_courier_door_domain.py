"""The courier's decisions at the door, without Redis or a database: attempts and their
limit, the receipt code and its lock, and the proof a delivery needs without it."""

import uuid

import pytest

from services.courier.domain import (
    MAX_WRONG_CODES,
    Delivery,
    Handover,
    Proof,
    deliver,
    evolve_delivery,
    record_attempt,
    return_document,
    send_out,
)
from shared.errors import Conflict, Unprocessable
from shared.events import (
    Actor,
    Delivered,
    EventData,
    ReceiptCodeRefused,
    new_event,
)
from shared.privacy import ERASED
from shared.vocabulary import AttemptReason, Relationship, ReturnReason, Role

COURIER = Actor(officer_id="kurir-7", name="Andi Kurir", role=Role.COURIER)
LETTER_ID, DOSSIER_ID = uuid.uuid4(), uuid.uuid4()
ACCEPTED = Handover(accepted=True, dossier_ids=(DOSSIER_ID,))
AT = {"dossier_id": DOSSIER_ID, "letter_id": LETTER_ID}


def after(state: Delivery, data: EventData) -> Delivery:
    return evolve_delivery(state, new_event(data, stream_id="s", actor=COURIER, office="1471"))


def failed(times: int, state: Delivery = Delivery()) -> Delivery:
    for _ in range(times):
        attempt = record_attempt(
            state, ACCEPTED, **AT, reason=AttemptReason.RECIPIENT_NOT_HOME, note="", max_attempts=2
        )
        state = after(state, attempt)
    return state


def sent_out(state: Delivery = Delivery(), code: str = "482913") -> Delivery:
    return after(state, send_out(state, ACCEPTED, **AT, receipt_code=code, max_attempts=2))


def at_door(state: Delivery, **proof: object) -> Delivered | ReceiptCodeRefused:
    return deliver(state, ACCEPTED, **AT, proof=Proof(**proof), max_attempts=2)  # type: ignore[arg-type]


def test_attempts_are_numbered_and_after_the_limit_only_a_return_is_left() -> None:
    once = failed(1)
    assert once.failed_attempts == 1
    twice = failed(1, once)
    for step in (
        lambda: failed(1, twice),
        lambda: sent_out(twice),
        lambda: at_door(twice, recipient_name="Rina", relationship="SELF", photo_sha256="ab"),
    ):
        with pytest.raises(Conflict, match=r"after 2 failed attempts \(JASA_MAX_ATTEMPTS\)"):
            step()
    returned = return_document(
        twice, ACCEPTED, **AT, reason=ReturnReason.RECIPIENT_NOT_HOME, note=""
    )
    assert returned.dossier_id == DOSSIER_ID


def test_an_attempt_for_another_reason_needs_a_note() -> None:
    with pytest.raises(Unprocessable, match="note"):
        record_attempt(
            Delivery(), ACCEPTED, **AT, reason=AttemptReason.OTHER, note="", max_attempts=2
        )


def test_the_right_code_delivers_and_the_event_says_only_that_it_was_valid() -> None:
    delivered = at_door(sent_out(code="482913"), receipt_code="482913")
    assert isinstance(delivered, Delivered)
    assert delivered.code_verified is True
    assert "482913" not in delivered.model_dump_json()


def test_wrong_codes_are_counted_then_the_code_is_locked_but_photo_proof_still_delivers() -> None:
    state = sent_out(code="482913")
    for tried in range(1, MAX_WRONG_CODES + 1):
        refused = at_door(state, receipt_code="000000")
        assert refused == ReceiptCodeRefused(**AT, wrong_tries=tried)
        state = after(state, refused)
    with pytest.raises(Conflict, match="locked"):
        at_door(state, receipt_code="482913")
    proven = at_door(
        state, recipient_name="Joko", relationship=Relationship.FAMILY, photo_sha256="cd" * 32
    )
    assert isinstance(proven, Delivered)
    assert (proven.code_verified, proven.photo_sha256) == (False, "cd" * 32)


def test_a_new_trip_sends_a_new_code_and_the_old_one_no_longer_opens() -> None:
    state = sent_out(sent_out(code="111111"), code="222222")
    assert isinstance(at_door(state, receipt_code="111111"), ReceiptCodeRefused)
    assert isinstance(at_door(state, receipt_code="222222"), Delivered)


def test_without_a_code_the_name_relationship_and_photo_are_all_needed() -> None:
    with pytest.raises(Unprocessable) as refused:
        at_door(sent_out(), recipient_name="Joko")
    assert [e["field"] for e in refused.value.errors or []] == ["relationship", "photo"]


def test_a_code_is_refused_when_none_was_sent_or_the_dossier_was_erased() -> None:
    with pytest.raises(Conflict, match="out for delivery first"):
        at_door(Delivery(), receipt_code="482913")
    erased = sent_out(code=ERASED)
    with pytest.raises(Conflict, match="out for delivery first"):
        at_door(erased, receipt_code="482913")
