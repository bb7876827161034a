"""A command run beside a running system (`jasa audit verify`, `jasa courier provision`)
finds its Redis: the one REDIS_URL names, else the private one `jasa up` runs for the
data dir, whose URL it keeps in `<data dir>/redis/url` while it runs."""

from pathlib import Path

import pytest

from shared.settings import CommonSettings


@pytest.fixture(autouse=True)
def no_redis_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)


def settings_on(data_dir: Path, **values: str) -> CommonSettings:
    return CommonSettings(data_dir=data_dir, **values)  # type: ignore[arg-type]


def test_the_private_redis_of_a_running_up_is_found_by_the_data_dir(tmp_path: Path) -> None:
    (tmp_path / "redis").mkdir()
    (tmp_path / "redis" / "url").write_text("redis://127.0.0.1:41234/0\n")

    assert settings_on(tmp_path).installation_redis_url() == "redis://127.0.0.1:41234/0"


def test_redis_url_wins_over_the_private_redis(tmp_path: Path) -> None:
    (tmp_path / "redis").mkdir()
    (tmp_path / "redis" / "url").write_text("redis://127.0.0.1:41234/0\n")
    settings = settings_on(tmp_path, redis_url="redis://cache.internal:6379/2")

    assert settings.installation_redis_url() == "redis://cache.internal:6379/2"


@pytest.mark.parametrize("url_file", [None, ""])
def test_without_either_there_is_no_redis_to_talk_to(tmp_path: Path, url_file: str | None) -> None:
    if url_file is not None:
        (tmp_path / "redis").mkdir()
        (tmp_path / "redis" / "url").write_text(url_file)

    assert settings_on(tmp_path).installation_redis_url() is None
