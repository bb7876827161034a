"""In production (JASA_ENV=production) tokens are signed only with a secret given in the
settings: every service, `jasa serve` and `jasa up` refuse to start with none, a generated
one or an example one, and say so in a sentence (no traceback), before anything runs. The
same holds for the reporting service's checkpoint-signing key (JASA_AUDIT_SIGNING_KEY)."""

import base64
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.harness import JasaUp, clean_environment, free_port_base

pytestmark = pytest.mark.e2e

SERVICES = ("intake", "approval", "courier", "reporting")
BAD_SECRETS = {
    "none": ({}, "needs JASA_SECRET; none was given"),
    "example": ({"JASA_SECRET": "CHANGE-ME-IN-PRODUCTION"}, "is an example or shorter"),
    "short": ({"JASA_SECRET": "s3cr3t-but-short"}, "is an example or shorter"),
}


def production(tmp_path: Path, **settings: str) -> dict[str, str]:
    return clean_environment(
        JASA_ENV="production",
        JASA_DATA_DIR=str(tmp_path / "var"),
        REDIS_URL="redis://127.0.0.1:1/0",  # never reached: the refusal comes first
        **settings,
    )


def test_every_service_refuses_a_missing_or_example_secret_with_a_sentence(
    tmp_path: Path,
) -> None:
    runs = {}
    # Every service with an example secret; the other refusals once (they share one path).
    cases = [(service, "example") for service in SERVICES]
    cases += [("intake", "none"), ("reporting", "short")]
    for service, kind in cases:
        command = [sys.executable, "-m", "uvicorn", "--factory"]
        command += [f"services.{service}.main:create_app", "--port", "1"]
        runs[service, kind] = subprocess.Popen(
            command,
            env=production(tmp_path / service / kind, **BAD_SECRETS[kind][0]),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    for (service, kind), process in runs.items():
        _, stderr = process.communicate(timeout=180)  # a loaded machine starts slowly
        assert process.returncode == 1, f"{service} started with the {kind} secret: {stderr}"
        assert f"jasa {service}: refusing to start" in stderr
        assert BAD_SECRETS[kind][1] in stderr
        assert "Traceback" not in stderr, stderr
    assert not (tmp_path / "intake" / "none" / "var" / "secret").exists(), "none was generated"


def test_jasa_serve_refuses_an_example_secret(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "services.cli", "serve", "courier"],
        env=production(tmp_path, JASA_SECRET="CHANGE-ME-IN-PRODUCTION"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "refusing to start: JASA_SECRET is an example" in result.stderr
    assert "Traceback" not in result.stderr


def jasa_up_in_production(
    tmp_path: Path, settings: dict[str, str] | None = None
) -> tuple[JasaUp, subprocess.CompletedProcess[str]]:
    """`jasa up` with JASA_ENV=production (and `settings`), run to its end."""
    system = JasaUp(data_dir=tmp_path / "var", port_base=free_port_base(), output_dir=tmp_path)
    environment = {**system.environment(), "JASA_ENV": "production", **(settings or {})}
    result = subprocess.run(
        [sys.executable, "-m", "services.cli", "up"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return system, result


def test_jasa_up_in_production_refuses_a_generated_secret_before_starting_anything(
    tmp_path: Path,
) -> None:
    system, result = jasa_up_in_production(tmp_path)
    assert result.returncode == 1
    assert "jasa up: refusing to start: JASA_ENV=production needs JASA_SECRET" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert not (system.data_dir / "redis").exists(), "no Redis was started"
    assert not (system.data_dir / "secret").exists(), "no secret was generated"


# --- the reporting service's checkpoint-signing key --------------------------------------

WITH_SECRETS = {
    "JASA_SECRET": "a-long-production-secret-0123456789abcdef",
    "JASA_PII_KEY": base64.b64encode(bytes(range(32))).decode(),
}
NO_SIGNING_KEY = "JASA_ENV=production needs JASA_AUDIT_SIGNING_KEY; none was given"
NOT_A_SIGNING_KEY = "JASA_AUDIT_SIGNING_KEY is not an Ed25519 private key"


@pytest.mark.parametrize(
    ("given", "refusal"),
    [({}, NO_SIGNING_KEY), ({"JASA_AUDIT_SIGNING_KEY": "CHANGE-ME"}, NOT_A_SIGNING_KEY)],
    ids=["none", "not a key"],
)
def test_reporting_refuses_to_start_without_its_signing_key_in_a_sentence(
    tmp_path: Path, given: dict[str, str], refusal: str
) -> None:
    environment = production(tmp_path, **WITH_SECRETS, **given)
    service = "services.reporting.main:create_app"
    for command in (
        [sys.executable, "-m", "uvicorn", "--factory", service, "--port", "1"],
        [sys.executable, "-m", "services.cli", "serve", "reporting"],
    ):
        result = subprocess.run(
            command, env=environment, capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 1, result.stderr
        assert f"refusing to start: {refusal}" in result.stderr
        assert "Traceback" not in result.stderr, result.stderr
    assert not (tmp_path / "var" / "reporting-signing.key").exists(), "none was generated"


def test_jasa_up_in_production_refuses_a_missing_signing_key_before_starting_anything(
    tmp_path: Path,
) -> None:
    system, result = jasa_up_in_production(tmp_path, WITH_SECRETS)
    assert result.returncode == 1
    assert f"jasa up: refusing to start: {NO_SIGNING_KEY}" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert not (system.data_dir / "redis").exists(), "no Redis was started"
    assert not (system.data_dir / "reporting-signing.key").exists(), "no key was generated"
