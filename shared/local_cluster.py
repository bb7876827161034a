"""A Redis Cluster of private redis-server child processes on loopback: the test suite's and
the benchmarks' cluster, and the options any cluster node they start needs."""

import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import redis

from shared.redis_server import RedisServer, free_port


def cluster_bus() -> list[str]:
    """Options that put a cluster node's bus on a free port of its own. The default, the client
    port + 10000, may be taken, and for a client port above 55535 it is past 65535: Redis
    then refuses to start."""
    return ["--cluster-port", str(free_port())]


def cluster_node() -> list[str]:
    """What every cluster node started here is given: cluster mode, its config file in its own
    folder, and a bus of its own (`cluster_bus`)."""
    return ["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", *cluster_bus()]


@dataclass
class LocalCluster:
    """A Redis Cluster of redis-server child processes on loopback: `primaries` shards, each
    with `replicas_each` replicas, every node in its own folder under `data_dir`. The test
    suite's and the benchmarks' cluster; `redis-cli --cluster create` assigns the slots.

    `node_timeout_ms` is how long a primary may be silent before its replica takes over;
    Redis's default (15 s) is kept short here so that a failover is seen within moments."""

    data_dir: Path
    primaries: int = 3
    replicas_each: int = 1
    node_timeout_ms: int = 1000
    durable: bool = False
    nodes: list[RedisServer] = field(default_factory=list, init=False)

    @property
    def url(self) -> str:
        """Any node's URL names the cluster: the first one's."""
        return self.nodes[0].url

    def start(self, timeout: float = 30.0) -> "LocalCluster":
        cluster_options = [
            *("--cluster-node-timeout", str(self.node_timeout_ms)),
            # A replica that lost its primary for a moment still takes over at once.
            *("--cluster-replica-validity-factor", "0"),
        ]
        count = self.primaries * (1 + self.replicas_each)
        try:
            for n in range(count):
                node = RedisServer(
                    self.data_dir / f"node-{n}",
                    durable=self.durable,
                    options=cluster_node() + cluster_options,
                )
                self.nodes.append(node.start(timeout))
            addresses = [f"127.0.0.1:{node.port}" for node in self.nodes]
            subprocess.run(
                [
                    shutil.which("redis-cli") or "redis-cli",
                    *("--cluster", "create", *addresses),
                    *("--cluster-replicas", str(self.replicas_each), "--cluster-yes"),
                ],
                check=True,
                capture_output=True,
                timeout=timeout,
            )
            self.wait_until_ok(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def wait_until_ok(self, timeout: float = 30.0) -> None:
        """Until every living node says the cluster is ok and knows every replica."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(self._node_is_ok(node) for node in self.living()):
                return
            time.sleep(0.1)
        raise RuntimeError(f"the cluster did not become ok within {timeout}s")

    def _node_is_ok(self, node: RedisServer) -> bool:
        """The node says the cluster is ok, knows every node started, sees as many living
        primaries as there are shards (after a failover: the promoted replicas), and, a
        replica, is linked to its primary."""
        with redis.Redis(port=node.port, socket_connect_timeout=0.5) as client:
            try:
                info = client.cluster("info")
                known = client.cluster("nodes")
                replication = client.info("replication")
            except redis.RedisError:
                return False
        if replication.get("role") == "slave" and replication["master_link_status"] != "up":
            return False
        flags = [entry["flags"] for entry in known.values()]
        primaries = sum("master" in f and "fail" not in f for f in flags)
        return (
            info.get("cluster_state") == "ok"
            and len(known) == len(self.nodes)
            and primaries == self.primaries
        )

    def living(self) -> list[RedisServer]:
        return [n for n in self.nodes if n.process is not None and n.process.poll() is None]

    def primary_of(self, key: str) -> RedisServer:
        """The node that holds `key`'s slot now."""
        with redis.Redis(port=self.living()[0].port) as client:
            slot = int(client.cluster("keyslot", key))
            for start, end, primary, *_ in client.execute_command("CLUSTER", "SLOTS"):
                if start <= slot <= end:
                    port = int(primary[1])
                    return next(node for node in self.nodes if node.port == port)
        raise RuntimeError(f"no node holds the slot of {key}")

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()
