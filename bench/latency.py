"""Latency under a steady load, against the services run as real processes (uvicorn):
`POST /dossiers` at 300 requests/s from an open-loop generator, and the time from an append
until the event shows in the reporting projection, at 300 events/s. Everything on 127.0.0.1.

Open loop: request n is due at start + n/rate whatever came back before, and its latency
counts from when it was due, so a slow server cannot hide its queue (no coordinated
omission)."""

import asyncio
import base64
import os
import sqlite3
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import orjson
from redis.asyncio import Redis

from bench.http_load import Client, HttpError
from bench.lifecycles import envelope, steps
from services.cli.service_process import ServiceProcess
from services.intake.domain import RegistryEntry
from services.intake.registry import load_registry
from shared.db import create_tables, make_engine
from shared.heap import freeze_heap
from shared.identity import issue_token
from shared.keys import Keys
from shared.log import EventLog
from shared.privacy import Privacy
from shared.redis_server import free_port
from shared.vocabulary import DocumentType, Role

SECRET = "bench-secret-" + "x" * 32
# The installation's key of personal data: the services, the bench's own appends and the
# replay seal and reveal with it, so every log here holds what an office's log holds.
PII_KEY = b"bench-pii-key-".ljust(32, b"x")


def privacy(redis: Redis, keys: Keys) -> Privacy:
    """Personal data sealed as a service seals it, under the dossier's key."""
    return Privacy(redis, keys, PII_KEY)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def service_env(redis_url: str, prefix: str, data_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "REDIS_URL": redis_url,
        "JASA_KEY_PREFIX": prefix,
        "JASA_DATA_DIR": str(data_dir),
        "JASA_SECRET": SECRET,
        "JASA_PII_KEY": base64.b64encode(PII_KEY).decode(),
        "JASA_LOG_LEVEL": "warning",
        "JASA_ACCESS_LOG": "false",
    }


def _tail(path: Path, lines: int = 25) -> str:
    try:
        return "\n".join("    " + line for line in path.read_text().splitlines()[-lines:])
    except OSError as error:
        return f"    (no log: {error})"


@contextmanager
def service(name: str, env: dict[str, str], data_dir: Path) -> Iterator[str]:
    process = ServiceProcess(name, "127.0.0.1", free_port(), data_dir / f"{name}.log")
    process.start(env)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.exit_code is not None:
                raise RuntimeError(f"{name} exited: see {process.log_path}")
            try:
                if httpx.get(f"{process.url}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not come up: see {process.log_path}")
            time.sleep(0.1)
        yield process.url
    finally:
        if (code := process.exit_code) is not None:  # it should still be serving
            print(f"  {name} exited during the run (code {code}); its log ends:", flush=True)
            print(_tail(process.log_path), flush=True)
        if process.process is not None:
            process.process.terminate()
            try:
                process.process.wait(15)
            except Exception:
                process.process.kill()
                process.process.wait()


async def open_loop(
    send: "AsyncSend", rate: float, count: int, warmup: int, limit_s: float, in_flight: int = 64
) -> tuple[list[float], int]:
    """Fire `count` calls at `rate`/s; the latencies (ms) after the first `warmup`, and how
    many calls failed or timed out."""
    latencies: list[float | None] = [None] * count
    freeze_heap()  # no pause of the generator's own to blame on the server
    start = time.perf_counter() + 0.05
    tasks = []

    # At most `in_flight` calls at once; one waiting for a slot still counts from when it
    # was due.
    slots = asyncio.Semaphore(in_flight)

    failures: Counter[str] = Counter()  # why calls failed: a timeout, or the broken connection

    async def one(n: int, due: float) -> None:
        # A request that fails or gets no answer in time counts at the time it gave up.
        try:
            async with slots:
                await asyncio.wait_for(send(n), timeout=limit_s)
        except TimeoutError:
            failures[f"no answer within {limit_s} s"] += 1
        except (HttpError, RuntimeError) as error:  # RuntimeError: an answer not expected
            failures[str(error)] += 1
        latencies[n] = (time.perf_counter() - due) * 1000

    for n in range(count):
        due = start + n / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(n, due)))
    await asyncio.gather(*tasks)
    failed = sum(failures.values())
    if failed:
        print(f"  {failed} of {count} calls failed:", flush=True)
        for reason, times in failures.most_common(5):
            print(f"    {times} x {reason}", flush=True)
    # A failed call counts too, at the time it gave up: failures only ever raise the figures.
    return [latency for latency in latencies[warmup:] if latency is not None], failed


class AsyncSend:  # the shape of `send` above, for mypy
    async def __call__(self, n: int) -> None: ...


def registration(entry: RegistryEntry) -> dict[str, str]:
    return {
        "nik": entry.nik,
        "name": "Rina Marlina",
        "address": "Jl. Sudirman No. 12, Pekanbaru",
        "phone": "0812-3456-7890",
        "document_type": "KTP_EL",
        "document_number": entry.document_number,
    }


async def register_latency(
    redis_url: str,
    scratch: Path,
    workers: int = 1,
    rate: float = 300,
    seconds: float = 10,
    warmup_s: float = 2,
    settings: dict[str, str] | None = None,
) -> dict[str, float]:
    """POST /dossiers at `rate`/s against intake run by `workers` uvicorn processes
    (`jasa serve --workers`, WEB_CONCURRENCY), given `settings` (environment) besides."""
    data_dir = scratch / "intake"
    warmup = int(rate * warmup_s)
    count = warmup + int(rate * seconds)
    entries = [
        RegistryEntry(
            DocumentType.KTP_EL,
            f"KTP-B{n:07d}",
            f"147101170890{n % 9999 + 1:04d}",
            "Rina Marlina",
            True,
        )
        for n in range(count)
    ]
    engine = make_engine(f"sqlite+aiosqlite:///{(data_dir / 'intake.db').resolve()}")
    await create_tables(engine)
    await load_registry(engine, entries, office="1471")
    await engine.dispose()
    token = issue_token(SECRET, role=Role.FO, officer_id="198001012005011001",
                        name="Siti Rahma", office="1471")  # fmt: skip
    env = service_env(redis_url, f"bench-intake-{uuid.uuid4().hex[:8]}:", data_dir)
    env["WEB_CONCURRENCY"] = str(workers)
    env |= settings or {}
    with service("intake", env, data_dir) as url:
        client = Client(url, connections=64)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        requests = [
            client.request("POST", "/dossiers", orjson.dumps(registration(entry)), headers)
            for entry in entries
        ]

        async def send(n: int) -> None:
            status, body = await client.send(requests[n])
            if status != 201:
                raise RuntimeError(f"POST /dossiers answered {status}: {body[:120]!r}")

        try:
            latencies, failed = await open_loop(send, rate, count, warmup, limit_s=10)  # type: ignore[arg-type]
        finally:
            await client.aclose()
        if failed:  # what the service said meanwhile, before its log goes with the scratch
            print(f"  intake's log ends:\n{_tail(data_dir / 'intake.log')}", flush=True)
    return {
        "register_requests": float(len(latencies)),
        "register_failed_calls": float(failed),
        "register_p50_ms": percentile(latencies, 50),
        "register_p99_ms": percentile(latencies, 99),
    }


async def propagation_latency(
    redis_url: str, scratch: Path, rate: float = 300, seconds: float = 10, warmup_s: float = 2
) -> dict[str, float]:
    """Append lifecycle events at `rate`/s; how long until each is in the reporting archive
    (written in the same transaction as the control cards)."""
    data_dir = scratch / "reporting"
    prefix = f"bench-reporting-{uuid.uuid4().hex[:8]}:"
    env = service_env(redis_url, prefix, data_dir)
    warmup = int(rate * warmup_s)
    count = warmup + int(rate * seconds)
    # Only first events of their streams: sent concurrently, none may wait for another.
    events = [(0, envelope(s)) for s in steps(int(count / 2.2) + 10) if s.version == 1]
    redis = Redis.from_url(redis_url)
    keys = Keys("1471", prefix)
    log = EventLog(redis, keys, privacy(redis, keys))  # as intake appends: sealed
    appended_at: dict[str, float] = {}
    seen_at: dict[str, float] = {}
    with service("reporting", env, data_dir):
        database = sqlite3.connect(data_dir / "reporting.db", check_same_thread=False)
        stop = asyncio.Event()

        def poll(after_seq: int) -> tuple[int, list[str]]:
            rows = database.execute(
                "SELECT seq, position FROM reporting_archive WHERE seq > ? ORDER BY seq",
                (after_seq,),
            ).fetchall()
            return (rows[-1][0] if rows else after_seq), [row[1] for row in rows]

        async def watch() -> None:
            after = 0
            deadline = time.monotonic() + seconds + warmup_s + 60
            while (not stop.is_set() or len(seen_at) < len(appended_at)) and (
                time.monotonic() < deadline
            ):
                after, positions = await asyncio.to_thread(poll, after)
                now = time.perf_counter()
                for position in positions:
                    seen_at[position] = now
                await asyncio.sleep(0.002)

        watcher = asyncio.create_task(watch())

        async def send(n: int) -> None:
            expected, event = events[n]
            started = time.perf_counter()
            [stored] = await log.append(event.stream_id, [event], expected)
            appended_at[stored.position or ""] = started

        await asyncio.sleep(1)  # the consumer group is in place
        try:
            await open_loop(send, rate, count, 0, limit_s=10)  # type: ignore[arg-type]
            stop.set()
            await watcher
        finally:
            watcher.cancel()
            database.close()
            await redis.aclose()
    order = sorted(appended_at, key=lambda p: appended_at[p])[warmup:]
    never = max(seen_at.values(), default=0) + 60
    latencies = [(seen_at.get(p, never) - appended_at[p]) * 1000 for p in order]
    return {
        "propagation_events": float(len(latencies)),
        "propagation_p50_ms": percentile(latencies, 50),
        "propagation_p99_ms": percentile(latencies, 99),
    }
