"""The office's officers talking to a running system over HTTP, for end-to-end tests: each
with a token signed by the installation's own secret, every answer's status checked, lists
followed through their cursors, and patience (a deadline) where one service's view must
catch up with another's events. Reads the installation's log straight from its Redis."""

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

import httpx
from redis.asyncio import Redis

from shared.events import Envelope
from shared.identity import issue_token
from shared.keys import Keys
from shared.log import EventLog
from shared.vocabulary import Role
from tests.e2e.harness import JasaUp

Json = dict[str, Any]
T = TypeVar("T")
PATIENCE = 60.0  # seconds another service may take to catch up (the machine may be busy)


@dataclass(frozen=True)
class Officer:
    role: Role
    officer_id: str
    name: str


FO = Officer(Role.FO, "198503122010012004", "Siti Rahmawati")
FO_2 = Officer(Role.FO, "199001052015031002", "Dedi Kurniawan")
KASUBBAG = Officer(Role.KASUBBAG_UMUM, "197804142005012003", "Hj. Nurhayati")
SEKRETARIS = Officer(Role.SEKRETARIS, "197006201994031005", "Drs. H. Zulkarnain")
COURIER = Officer(Role.COURIER, "KURIR-1471-017", "Rudi Hartono")
AUDITOR = Officer(Role.AUDITOR, "198811302012121001", "Andika Pratama")


class OfficeClient:
    """The four services of one running `jasa up`, as the office's officers use them."""

    def __init__(self, system: JasaUp) -> None:
        self.system = system
        self.urls = system.urls
        self.secret = (system.data_dir / "secret").read_text().strip()
        self.http = httpx.Client(timeout=30.0)

    def close(self) -> None:
        self.http.close()

    def headers(self, officer: Officer) -> dict[str, str]:
        token = issue_token(
            self.secret,
            role=officer.role,
            officer_id=officer.officer_id,
            name=officer.name,
            office="1471",
            ttl=timedelta(hours=1),
        )
        return {"Authorization": f"Bearer {token}"}

    def post(
        self,
        officer: Officer,
        service: str,
        path: str,
        body: Json | None = None,
        expect: int = 200,
        photo: bytes | None = None,
    ) -> Json:
        """One POST (with its own Idempotency-Key) that must answer `expect`; with `photo`, the
        body goes as a form with the photo (a delivery's proof)."""
        headers = {**self.headers(officer), "Idempotency-Key": str(uuid.uuid4())}
        sent: dict[str, Any] = {"json": body or {}}
        if photo is not None:
            sent = {"data": body or {}, "files": {"photo": ("serah.jpg", photo, "image/jpeg")}}
        answer = self.http.post(self.urls[service] + path, headers=headers, **sent)
        assert answer.status_code == expect, (
            f"POST {service}{path} answered {answer.status_code}: {answer.text}"
        )
        return dict(answer.json())

    def get(self, officer: Officer, service: str, path: str, **params: Any) -> Json:
        answer = self.http.get(
            self.urls[service] + path, params=params, headers=self.headers(officer)
        )
        assert answer.status_code == 200, (
            f"GET {service}{path} answered {answer.status_code}: {answer.text}"
        )
        return dict(answer.json())

    def items(self, officer: Officer, service: str, path: str, **params: Any) -> list[Json]:
        """Every item of a list, following its `next` cursor."""
        found: list[Json] = []
        query: Json = {**params, "limit": 200}
        while True:
            page = self.get(officer, service, path, **query)
            found += page["items"]
            if not page["next"]:
                return found
            query["cursor"] = page["next"]

    # --- the log, read straight from Redis ----------------------------------------------

    def events(self) -> list[Envelope]:
        """Every event of the office's log, in log order."""

        async def read() -> list[Envelope]:
            redis = Redis.from_url(self.system.redis_url)
            try:
                log = EventLog(redis, Keys("1471"))
                found: list[Envelope] = []
                while page := await log.read(found[-1].position if found else "0-0", 1000):
                    found += page
                return found
            finally:
                await redis.aclose()

        return asyncio.run(read())

    def event_counts(self) -> Counter[str]:
        return Counter(event.type for event in self.events())


def eventually(probe: Callable[[], T | None], what: str, within: float = PATIENCE) -> T:
    """Poll `probe` until it gives a value (another service's view has caught up)."""
    deadline = time.monotonic() + within
    while True:
        value = probe()
        if value is not None and value is not False:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {within:.0f} s for {what}")
        time.sleep(0.1)


def settled(probe: Callable[[], T], expected: T, within: float = PATIENCE) -> T:
    """Poll `probe` until it equals `expected` or the deadline passes; the last value either
    way, for the test to assert on (so a failure shows the difference)."""
    deadline = time.monotonic() + within
    while True:
        value = probe()
        if value == expected or time.monotonic() > deadline:
            return value
        time.sleep(0.1)
