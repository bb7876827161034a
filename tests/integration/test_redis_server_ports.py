"""A redis-server the suite or `jasa up` starts is the one that answers: a port that another
server holds is refused, never mistaken for ours; a cluster node starts on any free port."""

from pathlib import Path

import pytest

from shared.local_cluster import cluster_node
from shared.redis_server import PortTaken, RedisServer, port_is_free


def test_a_port_held_by_another_redis_is_refused_not_taken_for_ours(tmp_path: Path) -> None:
    first = RedisServer(tmp_path / "first", durable=False).start()
    try:
        second = RedisServer(tmp_path / "second", durable=False, port=first.port)
        with pytest.raises(PortTaken, match=f"port {first.port} is taken"):
            second.start(timeout=10)
        assert second.process is None
    finally:
        first.stop()


def test_a_server_on_a_port_of_its_own_choosing_answers_as_itself(tmp_path: Path) -> None:
    import redis

    server = RedisServer(tmp_path / "own", durable=False).start()
    try:
        assert server.process is not None
        client = redis.Redis(port=server.port)
        assert client.info("server")["process_id"] == server.process.pid
        client.close()
    finally:
        server.stop()


def test_a_cluster_node_starts_on_a_client_port_above_55535(tmp_path: Path) -> None:
    # The kernel lends free ports up to 60999: a node left with its bus at the client port +
    # 10000 would be refused one port in five.
    port = next(p for p in range(55536, 65536) if port_is_free(p))
    node = RedisServer(tmp_path / "node", durable=False, port=port, options=cluster_node()).start()
    try:
        assert node.port == port
    finally:
        node.stop()
