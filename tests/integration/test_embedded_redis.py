"""The embedded Redis keeps what it was given across a restart: the log and ACL users."""

from pathlib import Path

import redis

from shared.redis_server import RedisServer


def test_a_provisioned_user_and_the_data_survive_a_restart_of_the_embedded_redis(
    tmp_path: Path,
) -> None:
    server = RedisServer(tmp_path / "redis").start()
    port = server.port
    admin = redis.Redis(port=port)
    admin.xadd("jasa:{1471}:log", {"event": b"{}"})
    admin.acl_setuser("pihak3", enabled=True, passwords=["+s3cret-pass"], commands=["+ping"])
    admin.acl_save()
    admin.close()
    server.stop()

    again = RedisServer(tmp_path / "redis", port=port).start()
    try:
        admin = redis.Redis(port=port)
        assert admin.xlen("jasa:{1471}:log") == 1
        assert "pihak3" in admin.acl_users()
        courier = redis.Redis(port=port, username="pihak3", password="s3cret-pass")
        assert courier.ping()
        courier.close()
        admin.close()
    finally:
        again.stop()
