"""An archived event keeps its canonical bytes, position included (the chain hashes them);
the archive gives the log's entry back by cutting the position out of that text."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.events import encode, encode_for_log
from shared.stores.archived import entry_of, logged_bytes
from tests.unit.test_events import registrations


@given(registrations())
def test_the_archived_text_without_its_position_is_the_entry_the_log_held(event):  # type: ignore[no-untyped-def]
    assert logged_bytes(encode(event).decode(), event.position) == encode_for_log(event)


@given(registrations(), st.sampled_from(['","position":"', ',"position":"1-0"', "Nur'aini é"]))
def test_a_field_that_reads_like_the_position_is_left_as_it_is(event, name):  # type: ignore[no-untyped-def]
    # Written inside a string its quotes are escaped, so only the envelope's own is cut.
    event = event.model_copy(update={"data": event.data.model_copy(update={"name": name})})
    assert logged_bytes(encode(event).decode(), event.position) == encode_for_log(event)


def test_an_archived_text_without_its_position_is_refused() -> None:
    with pytest.raises(ValueError, match="does not hold its position"):
        logged_bytes('{"data":{},"type":"DocumentRegistered"}', "1-0")


def test_an_entry_kept_in_other_bytes_is_given_back_in_those() -> None:
    entry = entry_of("5-0", "DocumentRegistered", '{"position":"5-0"}', '{"old":1}')
    assert entry.position == "5-0"
    assert entry.entry == {b"type": b"DocumentRegistered", b"event": b'{"old":1}'}
