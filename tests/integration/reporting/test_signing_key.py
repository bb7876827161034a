"""The reporting service signs its checkpoints with the installation's key: in production only
JASA_AUDIT_SIGNING_KEY is that key, so without it (or with something that is not an Ed25519
key) the service refuses to start in a sentence; elsewhere a key is made in the data dir.
The `jasa audit` commands that read the key follow the same rule."""

import base64
import secrets
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from sqlmodel import select

from services.intake.main import create_app as intake_app
from services.reporting.archive import ArchivedEvent, Checkpoint
from services.reporting.main import create_app as reporting_app
from services.reporting.sealing import KEY_FILE, public_key_text, signature_holds
from shared.log import EventLog
from tests.conftest import running
from tests.integration.reporting.conftest import run_jasa
from tests.polling import wait_until
from tests.sop_history import Office

KEY = Ed25519PrivateKey.generate()
GIVEN = base64.b64encode(KEY.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()))
PUBLIC = public_key_text(KEY.public_key())
REFUSAL = "jasa reporting: refusing to start: "


@pytest.fixture
def production(service_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Path:
    """A production environment with everything but the signing key; its data dir."""
    monkeypatch.setenv("JASA_ENV", "production")
    monkeypatch.setenv("JASA_PII_KEY", base64.b64encode(secrets.token_bytes(32)).decode())
    monkeypatch.delenv("JASA_AUDIT_SIGNING_KEY", raising=False)
    return Path(service_env["JASA_DATA_DIR"])


def leave_a_key_in(data_dir: Path, key: Ed25519PrivateKey) -> None:
    """A key file as an earlier run outside production would have left it."""
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / KEY_FILE).write_bytes(
        key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    )


def test_in_production_reporting_refuses_to_start_without_the_signing_key(
    production: Path,
) -> None:
    with pytest.raises(SystemExit) as refusal:
        reporting_app()
    # SystemExit with a message: Python prints it and exits with code 1.
    assert refusal.value.code == (
        REFUSAL + "JASA_ENV=production needs JASA_AUDIT_SIGNING_KEY; none was given"
    )
    assert not (production / KEY_FILE).exists(), "no key was generated"
    intake_app()  # the key is reporting's alone: the other services start without it


def test_in_production_reporting_does_not_sign_with_a_key_left_in_the_data_dir(
    production: Path,
) -> None:
    leave_a_key_in(production, Ed25519PrivateKey.generate())
    with pytest.raises(SystemExit, match="needs JASA_AUDIT_SIGNING_KEY"):
        reporting_app()


@pytest.mark.parametrize("environment", ["development", "production"])
def test_a_signing_key_that_is_not_an_ed25519_key_is_refused_in_a_sentence(
    production: Path, environment: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JASA_ENV", environment)
    monkeypatch.setenv("JASA_AUDIT_SIGNING_KEY", "CHANGE-ME")
    with pytest.raises(SystemExit) as refusal:
        reporting_app()
    assert refusal.value.code == (
        REFUSAL + "JASA_AUDIT_SIGNING_KEY is not an Ed25519 private key (base64 of its 32 "
        "bytes, or unencrypted PEM)"
    )
    assert not (production / KEY_FILE).exists()


async def test_in_production_reporting_starts_and_seals_with_the_given_key(
    production: Path, event_log: EventLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JASA_AUDIT_SIGNING_KEY", GIVEN.decode())
    app = reporting_app()
    office = Office(event_log)
    async with running(app) as client:
        assert (await client.get("/ready")).status_code == 200
        await office.register()
        await office.register()

        async def archived() -> bool:
            async with app.state.context.sessions() as session:
                return len((await session.exec(select(ArchivedEvent))).all()) == 2

        await wait_until(archived)
    # the shutdown sealed the chain's head
    async with app.state.context.sessions() as session:
        (checkpoint,) = (await session.exec(select(Checkpoint))).all()
    assert signature_holds(
        KEY.public_key(),
        "1471",
        checkpoint.position,
        checkpoint.count,
        checkpoint.chain_hash,
        checkpoint.signature,
    )
    assert not (production / KEY_FILE).exists(), "nothing generated beside the given key"
    printed = await run_jasa("audit", "pubkey")
    assert (printed.exit_code, printed.stdout.strip()) == (0, PUBLIC)


async def test_outside_production_reporting_makes_its_key_once_and_pubkey_prints_it(
    service_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("JASA_AUDIT_SIGNING_KEY", raising=False)
    monkeypatch.delenv("JASA_ENV", raising=False)
    key_file = Path(service_env["JASA_DATA_DIR"]) / KEY_FILE
    app = reporting_app()
    async with running(app) as client:
        assert (await client.get("/ready")).status_code == 200
    made = key_file.read_bytes()
    sealer = app.state.signing.sealer("1471")
    printed = await run_jasa("audit", "pubkey")
    assert (printed.exit_code, printed.stdout.strip()) == (0, public_key_text(sealer.public_key))
    reporting_app()
    assert key_file.read_bytes() == made, "the same key on the next start"


async def test_in_production_pubkey_and_verify_refuse_without_the_given_key(
    production: Path,
) -> None:
    leave_a_key_in(production, KEY)  # one machine's key, not the installation's
    printed = await run_jasa("audit", "pubkey")
    assert printed.exit_code == 2
    assert "JASA_ENV=production needs JASA_AUDIT_SIGNING_KEY; none was given" in printed.output
    assert PUBLIC not in printed.output
    verified = await run_jasa("audit", "verify")
    assert verified.exit_code == 2
    assert "needs JASA_AUDIT_SIGNING_KEY" in verified.output
    assert "--public-key" in verified.output
    with_the_auditors_key = await run_jasa("audit", "verify", "--public-key", PUBLIC)
    assert with_the_auditors_key.exit_code == 0, with_the_auditors_key.output


async def test_pubkey_and_verify_refuse_a_signing_key_that_is_not_one(
    service_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JASA_AUDIT_SIGNING_KEY", base64.b64encode(bytes(16)).decode())
    printed = await run_jasa("audit", "pubkey")
    assert printed.exit_code == 2
    assert "JASA_AUDIT_SIGNING_KEY is not an Ed25519 private key" in printed.output
    assert isinstance(printed.exception, SystemExit), "a sentence, not a traceback"
    verified = await run_jasa("audit", "verify")
    assert verified.exit_code == 2
    assert "JASA_AUDIT_SIGNING_KEY is not an Ed25519 private key" in verified.output
    assert not (Path(service_env["JASA_DATA_DIR"]) / KEY_FILE).exists()
