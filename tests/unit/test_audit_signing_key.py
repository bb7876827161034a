"""The key that signs the audit checkpoints: given (required in production), or generated
once into the data dir elsewhere; a key that is not an Ed25519 key is refused in a sentence."""

import base64
import re
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    NoEncryption,
    PrivateFormat,
)

from services.reporting.config import ReportingSettings
from services.reporting.sealing import (
    KEY_FILE,
    InsecureSigningKey,
    load_or_create_signing_key,
    public_key_text,
)
from shared.master_key import InsecureKey

KEY = Ed25519PrivateKey.generate()
RAW = base64.b64encode(KEY.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()))
PEM = KEY.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode()
EC_PEM = (
    ec.generate_private_key(ec.SECP256R1())
    .private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    .decode()
)
ENCRYPTED_PEM = KEY.private_bytes(
    Encoding.PEM, PrivateFormat.PKCS8, BestAvailableEncryption(b"passphrase")
).decode()
NOT_KEYS = {
    "an example": "CHANGE-ME",
    "16 bytes": base64.b64encode(bytes(16)).decode(),
    "a broken PEM": "-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n",
    "an EC key": EC_PEM,
    "an encrypted PEM": ENCRYPTED_PEM,
}


@pytest.fixture(autouse=True)
def no_key_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JASA_AUDIT_SIGNING_KEY", raising=False)
    monkeypatch.delenv("JASA_ENV", raising=False)


def settings(tmp_path: Path, **values: str) -> ReportingSettings:
    return ReportingSettings.model_validate({"JASA_DATA_DIR": str(tmp_path), **values})


def public(key: Ed25519PrivateKey) -> str:
    return public_key_text(key.public_key())


def test_outside_production_a_key_is_made_once_readable_by_its_owner_only(
    tmp_path: Path,
) -> None:
    key = load_or_create_signing_key(settings(tmp_path))
    again = load_or_create_signing_key(settings(tmp_path))
    assert public(key) == public(again)
    assert stat.S_IMODE((tmp_path / KEY_FILE).stat().st_mode) == 0o600


@pytest.mark.parametrize("given", [RAW.decode(), PEM], ids=["base64", "pem"])
def test_production_signs_with_the_given_key_and_writes_nothing(tmp_path: Path, given: str) -> None:
    production = settings(tmp_path, JASA_ENV="production", JASA_AUDIT_SIGNING_KEY=given)
    assert public(load_or_create_signing_key(production)) == public(KEY)
    assert list(tmp_path.iterdir()) == []


def test_production_refuses_to_run_without_the_given_key(tmp_path: Path) -> None:
    with pytest.raises(InsecureSigningKey) as refusal:
        load_or_create_signing_key(settings(tmp_path, JASA_ENV="production"))
    assert str(refusal.value) == "JASA_ENV=production needs JASA_AUDIT_SIGNING_KEY; none was given"
    assert isinstance(refusal.value, InsecureKey), "what a starting service turns into a sentence"
    assert list(tmp_path.iterdir()) == [], "no key was generated"


def test_production_does_not_take_a_key_left_in_the_data_dir(tmp_path: Path) -> None:
    load_or_create_signing_key(settings(tmp_path))  # made on this machine's disk
    with pytest.raises(InsecureSigningKey, match="needs JASA_AUDIT_SIGNING_KEY"):
        load_or_create_signing_key(settings(tmp_path, JASA_ENV="production"))
    with pytest.raises(InsecureSigningKey, match="needs JASA_AUDIT_SIGNING_KEY"):
        load_or_create_signing_key(
            settings(tmp_path, JASA_ENV="production", JASA_AUDIT_SIGNING_KEY="  ")
        )


@pytest.mark.parametrize("environment", ["development", "production"])
@pytest.mark.parametrize("text", NOT_KEYS.values(), ids=NOT_KEYS.keys())
def test_a_given_key_that_is_no_ed25519_key_is_refused_without_showing_it(
    tmp_path: Path, environment: str, text: str
) -> None:
    given = settings(tmp_path, JASA_ENV=environment, JASA_AUDIT_SIGNING_KEY=text)
    with pytest.raises(InsecureSigningKey) as refusal:
        load_or_create_signing_key(given)
    assert str(refusal.value) == (
        "JASA_AUDIT_SIGNING_KEY is not an Ed25519 private key (base64 of its 32 bytes, "
        "or unencrypted PEM)"
    )
    assert list(tmp_path.iterdir()) == [], "nothing was generated in its place"


def test_a_damaged_key_file_is_refused_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / KEY_FILE).write_text("not a key\n")
    with pytest.raises(InsecureSigningKey, match=re.escape(f"{tmp_path / KEY_FILE} is not an")):
        load_or_create_signing_key(settings(tmp_path))
    assert (tmp_path / KEY_FILE).read_text() == "not a key\n", "left for a person to look at"


def test_a_reader_that_must_not_create_one_says_which_key_is_missing(tmp_path: Path) -> None:
    missing = f"no JASA_AUDIT_SIGNING_KEY and no {tmp_path / KEY_FILE}"
    with pytest.raises(InsecureSigningKey, match=re.escape(missing)):
        load_or_create_signing_key(settings(tmp_path), create=False)
    assert list(tmp_path.iterdir()) == []
    made = load_or_create_signing_key(settings(tmp_path))
    assert public(load_or_create_signing_key(settings(tmp_path), create=False)) == public(made)
