"""The audit chain hashes the canonical bytes of every event in logs already written: the codec
must write, for the same event, exactly the bytes recorded in canonical_bytes.golden, and read
them back as the same event."""

from datetime import UTC

import pytest

from shared.events import CATALOGUE, Envelope, decode, encode, encode_for_log
from tests.unit.canonical_cases import GOLDEN, golden_cases

CASES = list(golden_cases())


def recorded() -> dict[tuple[str, str], bytes]:
    lines = GOLDEN.read_bytes().removesuffix(b"\n").split(b"\n")
    split = (line.split(b"|", 2) for line in lines)
    return {(name.decode(), how.decode()): raw for name, how, raw in split}


GOLDEN_BYTES = recorded()


def test_the_golden_file_holds_every_case_and_every_type_of_the_catalogue() -> None:
    assert set(GOLDEN_BYTES) == {(name, how) for name, _ in CASES for how in ("encode", "log")}
    assert {type(event.data) for _, event in CASES} == set(CATALOGUE)


@pytest.mark.parametrize(("name", "event"), CASES, ids=[name for name, _ in CASES])
def test_an_event_encodes_to_the_bytes_the_audit_chain_already_hashed(
    name: str, event: Envelope
) -> None:
    assert encode(event) == GOLDEN_BYTES[name, "encode"]
    assert encode_for_log(event) == GOLDEN_BYTES[name, "log"]


@pytest.mark.parametrize(("name", "event"), CASES, ids=[name for name, _ in CASES])
def test_the_recorded_bytes_decode_to_the_same_event(name: str, event: Envelope) -> None:
    decoded = decode(GOLDEN_BYTES[name, "encode"])
    assert decoded == event
    assert decode(encode(event)) == event
    assert type(decoded.data) is type(event.data)
    if event.occurred_at.tzinfo is UTC:  # as every event the services make
        assert encode(decoded) == GOLDEN_BYTES[name, "encode"]
