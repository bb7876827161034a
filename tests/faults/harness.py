"""The four services as real processes on one Redis, for fault tests: each one can be killed
(SIGKILL) and started again on its own, and a fresh instance of a service (its own data dir,
its own consumer group, the same Redis prefix) can read the whole log from scratch to show
what the live read model should hold.

Unlike `jasa up` (which stops everything when one service dies), nothing here watches the
services: the test decides who dies and when."""

import asyncio
import base64
import os
import signal
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from redis.asyncio import Redis
from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncEngine

from services.cli.service_process import ServiceProcess
from shared.claims import AppliedEvent, ProjectionCheckpoint
from tests.conftest import SECRET, token_for
from tests.e2e.harness import clean_environment, free_port_base

PII_KEY = base64.b64encode(b"fault-tests-pii-key-32-bytes-ok!").decode()

SERVICES = ("intake", "approval", "courier", "reporting")
BOOKKEEPING = {"updated_at"}  # when a row was written, not what it says
REQUEST_TIMEOUT = httpx.Timeout(10.0, connect=3.0)  # a hang fails the test


def bounded_client() -> httpx.AsyncClient:
    return httpx.AsyncClient(timeout=REQUEST_TIMEOUT)


@dataclass
class Installation:
    """The four services of one office on `redis_url` under `key_prefix`, data in `root`."""

    root: Path
    redis_url: str
    key_prefix: str
    port_base: int = field(default_factory=free_port_base)
    claim_idle_ms: int = 1000
    processes: dict[str, ServiceProcess] = field(default_factory=dict)
    starts: dict[str, int] = field(default_factory=dict)

    @property
    def data_dir(self) -> Path:
        return self.root / "var"

    def environment(self, **overrides: str) -> dict[str, str]:
        settings = {
            "REDIS_URL": self.redis_url,
            "JASA_KEY_PREFIX": self.key_prefix,
            "JASA_DATA_DIR": str(self.data_dir),
            "JASA_SECRET": SECRET,
            # One installation: every instance, fresh ones too, unwraps the same data keys.
            "JASA_PII_KEY": PII_KEY,
            "JASA_OFFICE": "1471",
            "JASA_PORT_BASE": str(self.port_base),
            "JASA_CLAIM_IDLE_MS": str(self.claim_idle_ms),
            "PYTHONUNBUFFERED": "1",
        }
        return clean_environment(**{**settings, **overrides})

    def url(self, service: str) -> str:
        return self.processes[service].url

    def database_url(self, service: str, data_dir: Path | None = None) -> str:
        return f"sqlite+aiosqlite:///{((data_dir or self.data_dir) / f'{service}.db').resolve()}"

    # --- starting, killing ------------------------------------------------------------

    def start(self, service: str, consumer: str | None = None) -> ServiceProcess:
        """Start (or start again) one service; `consumer` names its consumer in the group."""
        number = self.starts.get(service, 0) + 1
        self.starts[service] = number
        offset = SERVICES.index(service) + 1
        process = ServiceProcess(
            service, "127.0.0.1", self.port_base + offset, self.root / "logs" / f"{service}.log"
        )
        process.start(self.environment(JASA_CONSUMER_NAME=consumer or f"{service}-{number}"))
        self.processes[service] = process
        return process

    def start_all(self) -> None:
        for service in SERVICES:
            self.start(service)

    def kill(self, service: str) -> None:
        """SIGKILL: no shutdown, no ack, no commit of what was in flight."""
        process = self.processes[service].process
        assert process is not None and process.poll() is None, f"{service} is not running"
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)

    def fresh(self, service: str, port: int) -> ServiceProcess:
        """A second instance that reads the whole log from scratch into its own database."""
        data_dir = self.root / f"fresh-{service}"
        process = ServiceProcess(
            service, "127.0.0.1", port, self.root / "logs" / f"fresh-{service}.log"
        )
        process.start(
            self.environment(
                JASA_DATA_DIR=str(data_dir),
                JASA_CONSUMER_GROUP=f"{service}-fresh",
                JASA_CONSUMER_NAME=f"{service}-fresh-1",
            )
        )
        self.processes[f"fresh-{service}"] = process
        return process

    def stop_all(self) -> None:
        for process in self.processes.values():
            running = process.process
            if running is not None and running.poll() is None:
                running.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            running = process.process
            if running is None:
                continue
            try:
                running.wait(15)
            except Exception:
                running.kill()
                running.wait()

    # --- waiting ----------------------------------------------------------------------

    async def ready(self, *services: str, within: float = 60.0) -> None:
        names = services or tuple(self.processes)
        deadline = time.monotonic() + within
        async with bounded_client() as client:
            for name in names:
                process = self.processes[name]
                while True:
                    if process.exit_code is not None:
                        raise AssertionError(f"{name} exited:\n{process.log_tail()}")
                    try:
                        if (await client.get(f"{process.url}/ready")).status_code == 200:
                            break
                    except httpx.HTTPError:
                        pass
                    if time.monotonic() > deadline:
                        raise AssertionError(f"{name} not ready:\n{process.log_tail()}")
                    await asyncio.sleep(0.1)


async def caught_up(redis: Redis, log_key: str, groups: Iterable[str], within: float) -> None:
    """Wait until every group has been handed the log's last entry and acknowledged all."""
    deadline = time.monotonic() + within
    wanted = set(groups)
    while True:
        behind = await groups_behind(redis, log_key, wanted)
        if not behind:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"consumer groups still behind the log: {behind}")
        await asyncio.sleep(0.2)


async def groups_behind(redis: Redis, log_key: str, groups: set[str]) -> dict[str, Any]:
    last = await redis.xrevrange(log_key, count=1)
    head = last[0][0].decode() if last else "0-0"
    found = {_text(g["name"]): g for g in await redis.xinfo_groups(log_key)}
    behind: dict[str, Any] = {}
    for name in groups:
        group = found.get(name)
        if group is None:
            behind[name] = "no such group"
        elif _text(group["last-delivered-id"]) != head or int(group["pending"]) != 0:
            behind[name] = (_text(group["last-delivered-id"]), head, int(group["pending"]))
    return behind


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


# --- comparing read models -------------------------------------------------------------


async def table_differences(
    live: AsyncEngine, fresh: AsyncEngine, tables: list[Table]
) -> list[str]:
    """Every row that differs between two databases, table by table (bookkeeping aside)."""
    found: list[str] = []
    for table in tables:
        left, right = await _rows_by_key(live, table), await _rows_by_key(fresh, table)
        for key in sorted(left.keys() | right.keys(), key=repr):
            a, b = left.get(key), right.get(key)
            if a is None:
                found.append(f"{table.name} {key}: only in the fresh instance")
            elif b is None:
                found.append(f"{table.name} {key}: only in the live service")
            elif a != b:
                changed = {name: (a[name], b[name]) for name in a if a[name] != b[name]}
                found.append(f"{table.name} {key}: live, fresh = {changed}")
    return found


async def _rows_by_key(engine: AsyncEngine, table: Table) -> dict[tuple[Any, ...], dict[str, Any]]:
    keys = [column.name for column in table.primary_key.columns]
    async with engine.connect() as connection:
        rows = (await connection.execute(select(table))).mappings().all()
    return {
        tuple(row[k] for k in keys): {k: v for k, v in row.items() if k not in BOOKKEEPING}
        for row in rows
    }


def projection_tables(models: Iterable[Any]) -> list[Table]:
    """A service's read-model tables and its once-only bookkeeping (applied positions)."""
    tables = [model.__table__ for model in models]
    return [*tables, AppliedEvent.__table__, ProjectionCheckpoint.__table__]  # type: ignore[attr-defined]


def headers(role: str, officer_id: str, name: str = "Petugas Uji") -> dict[str, str]:
    return token_for(role, officer_id=officer_id, name=name)
