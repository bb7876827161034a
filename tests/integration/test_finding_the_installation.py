"""Every command finds the installation the same way: the data dir (JASA_DATA_DIR, else
./var) and, when REDIS_URL is unset, the private Redis a running `jasa up` keeps there. Run
where there is no installation, each says so and where it looked (exit 2), and makes
nothing: no new secret, no data dir."""

import uuid
from collections.abc import Iterator
from pathlib import Path

import jwt
import pytest
import redis as sync_redis
from click.testing import Result
from typer.testing import CliRunner

from services.cli import app as jasa
from services.reporting.config import ReportingSettings
from services.reporting.sealing import load_or_create_signing_key
from shared.master_key import load_or_create_master_key
from shared.settings import CommonSettings

THIRD_PARTY = f"test-courier-{uuid.uuid4().hex[:10]}"
REDIS_COMMANDS = {
    "dead-letters": (["dead-letters"], 0, "no consumer group reads the log yet"),
    "privacy erase": (
        ["privacy", "erase", "7c9e6679-7425-40de-944b-e07fc1f90ae7", "--yes"],
        1,
        "there is no dossier 7c9e6679-7425-40de-944b-e07fc1f90ae7",
    ),
    "audit verify": (["audit", "verify"], 0, "intact: 0 events"),
    "courier provision": (["courier", "provision", THIRD_PARTY], 0, f"created user {THIRD_PARTY}"),
}
NOWHERE = {
    **{name: arguments for name, (arguments, _, _) in REDIS_COMMANDS.items()},
    "token": ["token", "FO", "--officer-id", "198001012005011001", "--name", "Siti"],
    "demo": ["demo"],
}


def run(*arguments: str) -> Result:
    return CliRunner().invoke(jasa, list(arguments))


@pytest.fixture
def running_up(service_env: dict[str, str], data_dir: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """A data dir as a running `jasa up` leaves it (its keys, the URL of its private Redis),
    and no REDIS_URL in the environment."""
    settings = CommonSettings()
    load_or_create_master_key(settings)
    load_or_create_signing_key(ReportingSettings())
    (data_dir / "redis").mkdir(parents=True)
    (data_dir / "redis" / "url").write_text(service_env["REDIS_URL"] + "\n")
    monkeypatch.delenv("REDIS_URL")
    return data_dir


@pytest.fixture
def nowhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty folder with no installation, and nothing in the environment that names one."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    for name in ("REDIS_URL", "JASA_DATA_DIR", "JASA_SECRET", "JASA_PII_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(folder)
    yield folder


@pytest.fixture
def third_party(redis_url: str) -> Iterator[None]:
    yield
    with sync_redis.Redis.from_url(redis_url) as admin:
        admin.acl_deluser(THIRD_PARTY)


@pytest.mark.parametrize("command", list(REDIS_COMMANDS))
def test_a_command_finds_the_private_redis_of_a_running_up_by_the_data_dir_alone(
    command: str, running_up: Path, third_party: None
) -> None:
    arguments, exit_code, said = REDIS_COMMANDS[command]

    result = run(*arguments)

    assert result.exit_code == exit_code, result.output
    assert said in result.output
    assert "REDIS_URL is not set" not in result.output


@pytest.mark.parametrize("command", list(NOWHERE))
def test_run_where_there_is_no_installation_a_command_says_where_it_looked_and_makes_nothing(
    command: str, nowhere: Path
) -> None:
    result = run(*NOWHERE[command])

    assert result.exit_code == 2, result.output
    assert "no running installation found" in result.output or (
        "no installation found" in result.output
    )
    assert f"{nowhere / 'var'} (./var, as JASA_DATA_DIR is not set)" in result.output
    assert not (nowhere / "var").exists()


def test_a_token_is_signed_with_the_secret_of_the_installation_it_finds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = tmp_path / "office"
    data_dir.mkdir()
    (data_dir / "secret").write_text("the-installations-own-secret-0123456789abcdef\n")
    monkeypatch.delenv("JASA_SECRET", raising=False)
    monkeypatch.setenv("JASA_DATA_DIR", str(data_dir))

    result = run(
        "token", "FO", "--officer-id", "198001012005011001", "--name", "Siti", "--hours", "1"
    )

    assert result.exit_code == 0, result.output
    claims = jwt.decode(
        result.stdout.strip(),
        "the-installations-own-secret-0123456789abcdef",
        algorithms=["HS256"],
    )
    assert claims["name"] == "Siti"
    assert claims["exp"] - claims["iat"] == 3600


@pytest.mark.parametrize("hours", ["-1", "0"])
def test_a_token_must_be_valid_for_a_positive_number_of_hours(
    hours: str, service_env: dict[str, str]
) -> None:
    result = run("token", "FO", "--officer-id", "1980", "--name", "Siti", "--hours", hours)

    assert result.exit_code == 2
    assert "--hours" in result.output
    assert "must be a positive number of hours" in result.output
