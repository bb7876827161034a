"""The command line acts for one office at a time: `--office X`, one of those served."""

import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis as sync_redis
from typer.testing import CliRunner

from services.cli import app as jasa

HEADER = "document_number,document_type,nik,name,signed\n"


@pytest.fixture
def two_offices(service_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JASA_OFFICES", "1471,1401")


@pytest.fixture
def feed_user(redis_url: str) -> Iterator[str]:
    name = f"test-courier-{uuid.uuid4().hex[:10]}"
    yield name
    with sync_redis.Redis.from_url(redis_url) as admin:
        admin.acl_deluser(name)


def said(output: str) -> str:
    return " ".join(output.replace("│", " ").split())


def test_a_registry_is_loaded_into_the_office_named(
    two_offices: None, data_dir: Path, tmp_path: Path
) -> None:
    path = tmp_path / "kampar.csv"
    path.write_text(HEADER + "KTP-9,KTP_EL,1471011708900001,Rina Marlina,true\n")
    result = CliRunner().invoke(jasa, ["registry", "load", str(path), "--office", "1401"])
    assert result.exit_code == 0, result.output
    assert "registry of office 1401 loaded" in result.output
    with sqlite3.connect(data_dir / "intake.db") as db:
        rows = db.execute("SELECT office, document_number FROM intake_registry_entry").fetchall()
    assert rows == [("1401", "KTP-9")]


def test_a_command_for_an_office_not_served_is_refused(two_offices: None, tmp_path: Path) -> None:
    path = tmp_path / "jakarta.csv"
    path.write_text(HEADER)
    for command in (
        ["registry", "load", str(path), "--office", "3171"],
        ["token", "FO", "--officer-id", "1", "--name", "Siti", "--office", "3171"],
        ["audit", "replay", "--office", "3171"],
        ["privacy", "erase", str(uuid.uuid4()), "--office", "3171", "--yes"],
    ):
        result = CliRunner().invoke(jasa, command)
        assert result.exit_code == 2, command
        assert "serves office 1471, 1401, not 3171" in said(result.output), command


def test_the_third_party_user_reads_the_feed_of_the_office_named(
    two_offices: None, feed_user: str, key_prefix: str
) -> None:
    result = CliRunner().invoke(jasa, ["courier", "provision", feed_user, "--office", "1401"])
    assert result.exit_code == 0, result.output
    assert f"stream: {key_prefix}jasa:{{1401}}:courier-feed" in result.output
