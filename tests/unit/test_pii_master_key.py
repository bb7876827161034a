"""The master key of the personal data: given, or generated once into the data dir."""

import base64
import secrets
import stat
from pathlib import Path

import pytest

from shared.master_key import InsecureKey, load_or_create_master_key
from shared.settings import CommonSettings


@pytest.fixture(autouse=True)
def no_key_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JASA_PII_KEY", raising=False)
    monkeypatch.delenv("JASA_ENV", raising=False)


def settings(tmp_path: Path, **values: str) -> CommonSettings:
    return CommonSettings.model_validate({"JASA_DATA_DIR": str(tmp_path), **values})


def test_a_given_jasa_pii_key_is_used_and_nothing_is_written(tmp_path: Path) -> None:
    key = secrets.token_bytes(32)
    given = settings(tmp_path, JASA_PII_KEY=base64.b64encode(key).decode())
    assert load_or_create_master_key(given) == key
    assert not (tmp_path / "pii.key").exists()


def test_without_one_a_key_is_generated_once_readable_only_by_its_owner(tmp_path: Path) -> None:
    first = load_or_create_master_key(settings(tmp_path))
    assert len(first) == 32
    assert stat.S_IMODE((tmp_path / "pii.key").stat().st_mode) == 0o600
    assert load_or_create_master_key(settings(tmp_path)) == first
    assert [p.name for p in tmp_path.iterdir()] == ["pii.key"]


def test_a_reader_that_must_not_create_one_says_which_key_is_missing(tmp_path: Path) -> None:
    with pytest.raises(InsecureKey, match="no JASA_PII_KEY"):
        load_or_create_master_key(settings(tmp_path), create=False)
    assert not (tmp_path / "pii.key").exists()


def test_production_refuses_to_run_without_jasa_pii_key(tmp_path: Path) -> None:
    with pytest.raises(InsecureKey, match="JASA_ENV=production needs JASA_PII_KEY"):
        load_or_create_master_key(settings(tmp_path, JASA_ENV="production"))
    assert not (tmp_path / "pii.key").exists()


@pytest.mark.parametrize("value", ["CHANGE-ME", base64.b64encode(b"short").decode()])
def test_a_key_that_is_not_32_random_bytes_is_refused(tmp_path: Path, value: str) -> None:
    with pytest.raises(InsecureKey, match="32 random bytes"):
        load_or_create_master_key(settings(tmp_path, JASA_PII_KEY=value))
