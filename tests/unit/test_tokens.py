import base64
import json
import time
from datetime import timedelta

import jwt
import pytest

from shared import identity as auth
from shared.errors import Unauthorized
from shared.identity import (
    InsecureSecret,
    issue_token,
    key_id,
    load_or_create_secret,
    verify_token,
)
from shared.settings import CommonSettings
from shared.vocabulary import Role

OLD = "old-secret-0123456789-0123456789-0123456789"
NEW = "new-secret-9876543210-9876543210-9876543210"


def a_token(secret: str = NEW, **overrides: object) -> str:
    fields: dict = {"role": Role.FO, "officer_id": "19800101", "name": "Siti", "office": "1471"}
    return issue_token(secret, **{**fields, **overrides})


def test_a_valid_token_names_its_officer_and_the_key_it_was_signed_with() -> None:
    token = a_token()
    assert jwt.get_unverified_header(token)["kid"] == key_id(NEW)
    officer = verify_token(token, NEW)
    assert (officer.officer_id, officer.name, officer.role, officer.office) == (
        "19800101",
        "Siti",
        Role.FO,
        "1471",
    )


def test_an_expired_token_is_refused() -> None:
    with pytest.raises(Unauthorized, match="expired"):
        verify_token(a_token(ttl=timedelta(seconds=-5)), NEW)


def test_a_token_verified_before_is_refused_once_it_has_expired(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    token = a_token(ttl=timedelta(minutes=5))
    assert verify_token(token, NEW).officer_id == "19800101"  # verified, and remembered
    later = time.time() + 5 * 60 + 1
    monkeypatch.setattr(auth.time, "time", lambda: later)
    with pytest.raises(Unauthorized, match="expired"):
        verify_token(token, NEW)


def test_a_token_verified_with_one_secret_is_not_taken_on_trust_under_others() -> None:
    token = a_token(secret=OLD)
    assert verify_token(token, [NEW, OLD]).officer_id == "19800101"
    with pytest.raises(Unauthorized, match="does not accept"):
        verify_token(token, NEW)  # OLD dropped after the rotation


def test_a_token_signed_with_another_key_is_refused() -> None:
    with pytest.raises(Unauthorized, match="does not accept"):
        verify_token(a_token(OLD), NEW)


def test_during_a_rotation_tokens_of_the_previous_secret_stay_valid() -> None:
    assert verify_token(a_token(OLD), [NEW, OLD]).name == "Siti"
    assert verify_token(a_token(NEW), [NEW, OLD]).name == "Siti"


def test_an_unsigned_token_with_alg_none_is_refused() -> None:
    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    claims = jwt.decode(a_token(), options={"verify_signature": False})
    forged = f"{part({'alg': 'none', 'kid': key_id(NEW)})}.{part(claims)}."
    with pytest.raises(Unauthorized, match="HS256"):
        verify_token(forged, NEW)


# PyJWT warns that our key is short for HS512: this forger signs with our own HS256 key.
@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
def test_a_token_with_another_algorithm_is_refused_even_with_the_right_key() -> None:
    claims = jwt.decode(a_token(), options={"verify_signature": False})
    other = jwt.encode(claims, NEW, algorithm="HS512", headers={"kid": key_id(NEW)})
    with pytest.raises(Unauthorized, match="HS256"):
        verify_token(other, NEW)


def test_a_token_without_a_role_claim_or_with_an_unknown_role_is_refused() -> None:
    claims = jwt.decode(a_token(), options={"verify_signature": False})
    claims["role"] = "BUPATI"
    strange = jwt.encode(claims, NEW, algorithm="HS256", headers={"kid": key_id(NEW)})
    with pytest.raises(Unauthorized, match="unknown role"):
        verify_token(strange, NEW)
    del claims["role"]
    missing = jwt.encode(claims, NEW, algorithm="HS256", headers={"kid": key_id(NEW)})
    with pytest.raises(Unauthorized):
        verify_token(missing, NEW)


def test_a_garbage_token_is_refused_cleanly() -> None:
    with pytest.raises(Unauthorized):
        verify_token("not.a.token", NEW)


def test_production_refuses_a_generated_or_example_secret(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("JASA_ENV", "production")
    monkeypatch.setenv("JASA_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("JASA_SECRET", raising=False)
    with pytest.raises(InsecureSecret, match="needs JASA_SECRET"):
        load_or_create_secret(CommonSettings())
    monkeypatch.setenv("JASA_SECRET", "change-me")
    with pytest.raises(InsecureSecret, match="example"):
        load_or_create_secret(CommonSettings())
    monkeypatch.setenv("JASA_SECRET", NEW)
    assert load_or_create_secret(CommonSettings()) == NEW
    assert not (tmp_path / "secret").exists()


def test_outside_production_a_secret_is_generated_once_and_kept(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("JASA_SECRET", raising=False)
    monkeypatch.delenv("JASA_ENV", raising=False)
    monkeypatch.setenv("JASA_DATA_DIR", str(tmp_path))
    first = load_or_create_secret(CommonSettings())
    assert len(first) >= 32
    assert load_or_create_secret(CommonSettings()) == first
    assert (tmp_path / "secret").stat().st_mode & 0o077 == 0
