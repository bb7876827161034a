"""The private Redis of `jasa up` listens on the same port at every start of one data dir, so
the URL given to the courier's system by `jasa courier provision` keeps working; when that
port is taken by something else, `jasa up` says so and starts nothing rather than move."""

import socket
import uuid
from pathlib import Path

import pytest
import redis

from services.cli.supervisor import Installation, UpError
from services.courier.feed_access import provision
from shared.keys import Keys
from shared.redis_server import port_is_free
from shared.settings import CommonSettings


def an_installation(data_dir: Path) -> Installation:
    settings = CommonSettings(redis_url=None, data_dir=data_dir)  # type: ignore[call-arg]
    installation = Installation(settings)
    installation.lock_data_dir()
    return installation


def started(data_dir: Path) -> Installation:
    installation = an_installation(data_dir)
    installation.start_redis()
    return installation


def test_the_courier_url_keeps_working_across_two_restarts(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    first = started(data_dir)
    name = f"pihak3-{uuid.uuid4().hex[:8]}"
    with redis.Redis.from_url(first.redis_url) as admin:
        access = provision(admin, Keys("1471"), first.redis_url, name, None)
    first.stop()

    urls = [first.redis_url]
    for _ in range(2):  # two restarts
        again = started(data_dir)
        try:
            urls.append(again.redis_url)
            with redis.Redis.from_url(access.url) as courier:
                assert courier.ping()
        finally:
            again.stop()

    assert urls == [urls[0]] * 3


def test_a_port_taken_by_something_else_is_named_and_redis_is_not_moved(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    first = started(data_dir)
    port = first.redis_server.port if first.redis_server else 0
    first.stop()

    with socket.socket() as squatter:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind(("127.0.0.1", port))
        squatter.listen()
        second = an_installation(data_dir)
        with pytest.raises(UpError) as refused:
            second.start_redis()
        second.stop()

    assert f"port {port}" in str(refused.value)
    assert "taken by something else" in str(refused.value)
    assert second.redis_server is None
    assert not second.redis_url_file.exists()
    assert port_is_free(port)  # nothing of ours was left listening there
