"""The pure rules of the reporting service: lateness, the figures of the reports, periods,
the chain and its signatures."""

import base64
import hashlib
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from services.reporting.config import ReportingSettings
from services.reporting.domain import (
    DeliveryCounts,
    Period,
    elapsed_seconds,
    is_late,
    median,
    parse_moment,
    percentile,
)
from services.reporting.sealing import (
    Sealer,
    chain,
    parse_private_key,
    signature_holds,
)
from shared.vocabulary import DossierStatus


def test_a_step_is_late_only_past_its_standard_and_the_first_step_never() -> None:
    start = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
    assert elapsed_seconds(None, start) is None
    assert not is_late(None, 60)
    assert not is_late(60, 60)
    assert is_late(60.5, 60)


def test_median_and_nearest_rank_p90() -> None:
    assert median([]) is None and percentile([], 0.9) is None
    assert median([30, 10, 20]) == 20
    assert median([10, 20, 30, 40]) == 25
    assert percentile(list(range(1, 11)), 0.9) == 9
    assert percentile([5], 0.9) == 5


def test_delivery_counts_put_every_file_in_one_place_and_count_received_back_as_returned() -> None:
    counts = (
        DeliveryCounts.of(DossierStatus.FLAGGED, 2)
        .plus(DeliveryCounts.of(DossierStatus.DELIVERED, 3))
        .plus(DeliveryCounts.of(DossierStatus.RETURNED))
        .plus(DeliveryCounts.of(DossierStatus.RECEIVED_BACK))
    )
    assert counts == DeliveryCounts(
        registered=7, in_progress=2, delivered=3, returned=2, received_back=1
    )


def test_a_date_is_a_whole_day_in_wib_and_a_bare_time_is_wib_too() -> None:
    assert parse_moment("2026-11-24", end_of_day=False) == datetime(2026, 11, 23, 17, tzinfo=UTC)
    assert parse_moment("2026-11-24", end_of_day=True) == datetime(2026, 11, 24, 17, tzinfo=UTC)
    assert parse_moment("2026-11-24T08:30", end_of_day=True) == datetime(
        2026, 11, 24, 1, 30, tzinfo=UTC
    )
    assert parse_moment("2026-11-24T08:30Z", end_of_day=False).hour == 8
    with pytest.raises(ValueError):
        parse_moment("24/11/2026", end_of_day=False)
    with pytest.raises(ValueError):
        Period(datetime(2026, 11, 25, tzinfo=UTC), datetime(2026, 11, 24, tzinfo=UTC))


def test_step_standards_default_to_the_sops_minute_and_unknown_steps_are_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("JASA_STEP_STANDARD_SECONDS", '{"4": 86400}')
    assert ReportingSettings().standards() == {1: 60, 2: 60, 3: 60, 4: 86400, 5: 60}
    monkeypatch.setenv("JASA_STEP_STANDARD_SECONDS", '{"6": 10}')
    with pytest.raises(ValueError, match="steps 1 to 5"):
        ReportingSettings()


def test_the_chain_starts_from_zeros_and_hashes_previous_then_bytes() -> None:
    first = chain(None, b"a")
    assert first == hashlib.sha256(bytes(32) + b"a").hexdigest()
    assert chain(first, b"b") == hashlib.sha256(bytes.fromhex(first) + b"b").hexdigest()


def test_a_configured_key_may_be_base64_or_pem_and_signatures_check_out() -> None:
    key = Ed25519PrivateKey.generate()
    raw = base64.b64encode(key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()))
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode()
    for text in (raw.decode(), pem):
        sealer = Sealer(parse_private_key(text), "1471")
        signature = sealer.sign("1-0", 1, "ab" * 32)
        assert signature_holds(key.public_key(), "1471", "1-0", 1, "ab" * 32, signature)
        assert not signature_holds(key.public_key(), "1471", "1-0", 2, "ab" * 32, signature)
        assert not signature_holds(key.public_key(), "1472", "1-0", 1, "ab" * 32, signature)
