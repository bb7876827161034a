"""The bench's lifecycles must follow the SOP."""

from collections import Counter
from types import SimpleNamespace

from bench.card import ControlCards
from bench.lifecycles import Ids, envelope, recaps, steps


def test_a_lifecycle_is_registered_recapped_drafted_signed_handed_over_and_delivered() -> None:
    kinds = Counter(step.type for step in steps(20))
    assert kinds == {
        "DocumentRegistered": 20,
        "RecapCompiled": 2,
        "LetterDrafted": 2,
        "LetterSigned": 2,
        "HandoverAccepted": 2,
        "Delivered": 18,
        "Returned": 2,
    }


def test_the_ids_are_distinct_uuids() -> None:
    new_id = Ids()
    ids = [new_id() for _ in range(10_000)]
    assert len(set(ids)) == len(ids)
    assert all(len(i) == 36 and i[14] == "4" for i in ids)


def test_the_control_cards_of_one_lifecycle_end_delivered_or_returned() -> None:
    cards = ControlCards()
    for step in steps(10):
        event = envelope(step)
        cards.apply(event.type, event.data, event.actor.role.value, event.actor.officer_id,
                    event.occurred_at)  # fmt: skip
    assert Counter(cards.status.values()) == {"DELIVERED": 9, "RETURNED": 1}
    steps_of = Counter(tuple(line[0] for line in lines) for lines in cards.lines.values())
    assert steps_of == {(1, 1, 2, 3, 4, 4): 9, (1, 1, 2, 3, 4, 5): 1}


def test_the_lifecycle_cuts_into_recap_runs_that_run_side_by_side_without_waiting() -> None:
    lifecycle = list(steps(25))
    runs = recaps(lifecycle)
    assert [step for run in runs for step in run] == lifecycle
    assert [sum(s.type == "DocumentRegistered" for s in run) for run in runs] == [10, 10, 5]
    for run in runs:
        # every stream a run writes is its own: no run waits for another's version
        others = {s.stream_id for other in runs if other is not run for s in other}
        assert not others & {s.stream_id for s in run}
        assert run[0].type == "DocumentRegistered"
        assert run[-1].type in ("Delivered", "Returned")


def test_the_cards_are_the_same_whether_ids_come_as_uuids_or_as_text() -> None:
    typed, plain = ControlCards(), ControlCards()
    for step in steps(25):
        event = envelope(step)
        typed.apply(event.type, event.data, event.actor.role.value, event.actor.officer_id,
                    event.occurred_at)  # fmt: skip
        plain.apply(step.type, SimpleNamespace(**step.data), step.actor["role"],
                    step.actor["officer_id"], step.at)  # fmt: skip
    assert typed != plain  # UUID keys on one side, text on the other
    assert typed.as_text() == plain.as_text()
    assert len(plain.status) == 25
