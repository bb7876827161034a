"""The officers' pages under load, against intake run as deployed (a process per core): the
FO registration page (`GET /`, signed in) and the dossier list over every day
(`GET /berkas?waktu=semua`), with 10,000 dossiers in the office, each page asked for by 20
officers at once.

The officers are enrolled as `jasa officer add` enrols them (an event in the log, an argon2id
hash in the credential store) and each signs in through the sign-in form (`POST /login`
with the form's CSRF token), so the 20 clients hold 20 sessions of their own in Redis, as 20
people at 20 desks do. Each officer asks for the page again as soon as the last one arrived
(a closed loop, no time to read): the hardest 20 people can be on the server. One officer
alone asks for each page first: that figure is the page's own time, the difference the
queue of the other 19.

The log is filled as `bench.fill` fills it, the lifecycles ending just now, so the last
hours' registrations are today's list on the registration page.

`python -m bench.pages` runs this stage alone, with a private Redis."""

import asyncio
import os
import re
import sqlite3
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from redis.asyncio import Redis

from bench.fill import EVENTS_PER_DOSSIER, fill
from bench.http_load import Client, HttpError
from bench.latency import percentile, service, service_env
from bench.stage import alone
from shared.events import Actor
from shared.heap import freeze_heap
from shared.keys import Keys
from shared.log import EventLog
from shared.officers.credentials import Credentials
from shared.officers.directory import OfficerDirectory
from shared.vocabulary import Role
from shared.web.csrf import CSRF_FIELD
from shared.web.sessions import COOKIE

DOSSIERS = 10_000
USERS = 20
PAGES = {"fo_page": "/", "dossier_list": "/berkas?waktu=semua"}
PASSWORD = "kata-sandi-bench-26"
TOKEN = re.compile(rf'name="{CSRF_FIELD}" value="([^"]+)"')
ADMINISTRATOR = Actor(
    officer_id="server:bench", name="administrator server (bench)", role=Role.KASUBBAG_UMUM
)


async def enrol(redis: Redis, keys: Keys, users: int) -> list[str]:
    """`users` FO officers with `PASSWORD`, as `jasa officer add` enrols them; usernames."""
    directory, credentials = OfficerDirectory(EventLog(redis, keys)), Credentials(redis, keys)
    usernames = [f"fo.bench{n:02d}" for n in range(users)]
    for n, username in enumerate(usernames):
        name = f"Petugas FO {n + 1}"
        await directory.enrol(username, name=name, nip=None, role=Role.FO, by=ADMINISTRATOR)
        await credentials.set_password(username, PASSWORD)
    return usernames


async def sign_in(url: str, username: str) -> str:
    """Sign in through the form, as a browser does; the session cookie's value."""
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        form = await client.get("/login")
        found = TOKEN.search(form.text)
        if form.status_code != 200 or found is None:
            raise RuntimeError(f"GET /login answered {form.status_code} without a CSRF token")
        answer = await client.post(
            "/login",
            data={CSRF_FIELD: found.group(1), "next": "/", "username": username,
                  "password": PASSWORD},
        )  # fmt: skip
        cookie = client.cookies.get(COOKIE)
        if answer.status_code != 303 or cookie is None:
            raise RuntimeError(f"{username} could not sign in: {answer.status_code}")
        return cookie


def wait_for_read_model(database: Path, dossiers: int, within_s: float = 600) -> float:
    """Until intake's read model holds every dossier of the log; how long that took (s)."""
    started = time.monotonic()
    while time.monotonic() - started < within_s:
        try:
            with sqlite3.connect(database) as connection:
                [(held,)] = connection.execute("SELECT count(*) FROM intake_dossier").fetchall()
            if held >= dossiers:
                return time.monotonic() - started
        except sqlite3.OperationalError:  # the table is not there yet
            pass
        time.sleep(0.5)
    raise RuntimeError(f"intake's read model did not reach {dossiers} dossiers in {within_s} s")


async def closed_loop(
    url: str, path: str, cookies: list[str], seconds: float, warmup_s: float
) -> tuple[list[float], int]:
    """Each officer asks for `path` again as soon as the last answer came; the latencies (ms)
    after the warm-up, and how many calls failed."""
    freeze_heap()  # no pause of the generator's own to blame on the server
    latencies: list[float] = []
    failures: list[str] = []
    started = time.perf_counter()
    warm_until, until = started + warmup_s, started + warmup_s + seconds

    async def officer(cookie: str) -> None:
        client = Client(url, connections=1)
        request = client.request("GET", path, b"", {"Cookie": f"{COOKIE}={cookie}"})
        try:
            while (sent := time.perf_counter()) < until:
                try:
                    status, body = await asyncio.wait_for(client.send(request), 10)
                    if status != 200:
                        failures.append(f"GET {path} answered {status}: {body[:120]!r}")
                except (TimeoutError, HttpError) as error:
                    failures.append(f"GET {path}: {type(error).__name__} {error}")
                if sent >= warm_until:  # a failure counts too, at the time it gave up
                    latencies.append((time.perf_counter() - sent) * 1000)
        finally:
            await client.aclose()

    await asyncio.gather(*(officer(cookie) for cookie in cookies))
    for reason in sorted(set(failures))[:5]:
        print(f"  {failures.count(reason)} x {reason}", flush=True)
    return latencies, len(failures)


async def page_latency(
    redis_url: str,
    scratch: Path,
    workers: int,
    dossiers: int = DOSSIERS,
    users: int = USERS,
    rounds: int = 3,
    seconds: float = 10,
    warmup_s: float = 2,
) -> dict[str, float]:
    """Both pages with `dossiers` in the office and `users` officers signed in; each figure
    the median of `rounds` runs (the machine is noisy), failed calls the sum of all."""
    data_dir = scratch / "pages"
    data_dir.mkdir(parents=True, exist_ok=True)
    prefix = f"bench-pages-{uuid.uuid4().hex[:8]}:"
    events = round(dossiers * EVENTS_PER_DOSSIER)
    redis = Redis.from_url(redis_url)
    try:
        keys = Keys("1471", prefix)
        # One event a second, the last a minute ago: the last hours are today's dossiers.
        await fill(redis, keys, events, start=datetime.now(UTC) - timedelta(seconds=events + 60))
        usernames = await enrol(redis, keys, users)
    finally:
        await redis.aclose()
    env = service_env(redis_url, prefix, data_dir) | {"WEB_CONCURRENCY": str(workers)}
    figures: dict[str, float] = {}
    with service("intake", env, data_dir) as url:
        caught_up_s = await asyncio.to_thread(wait_for_read_model, data_dir / "intake.db", dossiers)
        print(f"  intake's read model holds {dossiers:,} dossiers ({caught_up_s:.0f} s)")
        cookies = [await sign_in(url, username) for username in usernames]
        for name, path in PAGES.items():
            # One officer alone first: the page's own time, without the others' queue.
            alone, alone_failed = await closed_loop(url, path, cookies[:1], seconds, warmup_s)
            runs = [await closed_loop(url, path, cookies, seconds, warmup_s) for _ in range(rounds)]
            figures |= {
                f"{name}_requests_per_s": statistics.median(len(r) / seconds for r, _ in runs),
                f"{name}_failed_calls": float(sum(failed for _, failed in runs)),
                f"{name}_p50_ms": statistics.median(percentile(r, 50) for r, _ in runs),
                f"{name}_p95_ms": statistics.median(percentile(r, 95) for r, _ in runs),
                f"{name}_one_officer_p50_ms": percentile(alone, 50),
                f"{name}_one_officer_p95_ms": percentile(alone, 95),
                f"{name}_one_officer_failed_calls": float(alone_failed),
            }
    return figures


def main() -> None:
    workers = os.cpu_count() or 1
    alone(lambda url, scratch: page_latency(url, scratch, workers))


if __name__ == "__main__":
    main()
