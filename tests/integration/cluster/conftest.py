"""The services of one installation on the suite's Redis Cluster, serving two offices whose
slots live on different primaries (1471 Pekanbaru, 1401 Kampar)."""

from collections.abc import AsyncIterator

import pytest

from shared.local_cluster import LocalCluster
from tests.integration.offices.world import SERVED, Installation, installation


@pytest.fixture
def cluster_env(
    service_env: dict[str, str], redis_cluster: LocalCluster, monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    """The services' environment with REDIS_URL naming one node of the cluster; cluster mode
    is asked of the server, not set."""
    monkeypatch.setenv("REDIS_URL", redis_cluster.url)
    monkeypatch.setenv("JASA_OFFICES", ",".join(SERVED))
    monkeypatch.delenv("JASA_REDIS_CLUSTER", raising=False)
    return {**service_env, "REDIS_URL": redis_cluster.url, "JASA_OFFICES": ",".join(SERVED)}


@pytest.fixture
async def on_cluster(cluster_env: dict[str, str]) -> AsyncIterator[Installation]:
    async with installation() as world:
        yield world
