"""The demo's side of the HTTP contract: officers with their own tokens, POSTs with an
`Idempotency-Key` (a lost answer is retried with the same key, so nothing happens twice),
lists followed through their cursors, and patience where another service's view must
catch up first (eventual consistency).

Like a browser session, the demo reads its own writes: the latest log position a command
answered with goes along with every later request (`Jasa-Read-After`), so a service shows
what the day has done so far before it answers."""

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

import httpx

from shared.http.positions import LOG_POSITION, READ_AFTER
from shared.identity import issue_token
from shared.store import position_key
from shared.vocabulary import Role

T = TypeVar("T")
Json = dict[str, Any]
# Longer than a service's own bounds (a read waits a few seconds for its read model, then
# answers 503) and than httpx's read timeout, so only a call that hangs meets it.
ANSWER_WITHIN_S = 45.0


class DemoError(Exception):
    """The system answered something the office day cannot go on from."""


@dataclass(frozen=True)
class Officer:
    role: Role
    officer_id: str
    name: str


# Who works today (NIP: birth date, appointment year and month, sex, serial).
FO_DESK = (
    Officer(Role.FO, "198503122010012004", "Siti Rahmawati"),
    Officer(Role.FO, "199001052015031002", "Dedi Kurniawan"),
)
KASUBBAG = Officer(Role.KASUBBAG_UMUM, "197804142005012003", "Hj. Nurhayati, S.Sos.")
SEKRETARIS = Officer(Role.SEKRETARIS, "197006201994031005", "Drs. H. Zulkarnain, M.Si.")
COURIER = Officer(Role.COURIER, "KURIR-1471-017", "Rudi Hartono")
AUDITOR = Officer(Role.AUDITOR, "198811302012121001", "Andika Pratama, S.E.")


def service_urls(base_url: str, port_base: int) -> dict[str, str]:
    base = base_url.rstrip("/")
    offsets = {"intake": 1, "approval": 2, "courier": 3, "reporting": 4}
    return {name: f"{base}:{port_base + n}" for name, n in offsets.items()}


class OfficeApi:
    def __init__(
        self,
        urls: dict[str, str],
        secret: str,
        office: str,
        patience: float = 60.0,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.urls = urls
        self.patience = patience
        self._secret, self._office = secret, office
        self._tokens: dict[Officer, str] = {}
        self.position: str | None = None  # the latest a command of the day answered with
        self.client = client or httpx.AsyncClient(timeout=httpx.Timeout(30.0, connect=5.0))

    async def aclose(self) -> None:
        await self.client.aclose()

    def _headers(self, officer: Officer) -> dict[str, str]:
        if officer not in self._tokens:
            self._tokens[officer] = issue_token(
                self._secret,
                role=officer.role,
                officer_id=officer.officer_id,
                name=officer.name,
                office=self._office,
                ttl=timedelta(hours=8),
            )
        headers = {"Authorization": f"Bearer {self._tokens[officer]}"}
        if self.position is not None:
            headers[READ_AFTER] = self.position
        return headers

    def _note_position(self, answer: httpx.Response) -> None:
        """Keep the latest position answered: desks at work at once answer out of order."""
        position = answer.headers.get(LOG_POSITION)
        if position and (
            self.position is None or position_key(position) > position_key(self.position)
        ):
            self.position = position

    async def check_running(self) -> None:
        for name, url in self.urls.items():
            try:
                answer = await self.client.get(f"{url}/ready", timeout=5.0)
            except httpx.HTTPError as error:
                raise DemoError(f"the {name} service does not answer at {url} ({error})") from None
            if answer.status_code != 200:
                raise DemoError(f"the {name} service at {url} is not ready: {answer.text}")

    async def send(
        self, officer: Officer, service: str, path: str, body: Json | None = None
    ) -> httpx.Response:
        """One POST with its own Idempotency-Key; a lost answer is asked again with that key."""
        return await self._post_once(officer, service, path, json=body or {})

    async def post(
        self,
        officer: Officer,
        service: str,
        path: str,
        body: Json | None = None,
        *,
        expect: tuple[int, ...] = (200, 201),
        wait_for: tuple[int, ...] = (404, 409, 503),
    ) -> Json:
        """POST until it is accepted. A 404 or 409 may only mean that this service has not
        yet seen another's events, and a 503 that it could not catch up in time, so it is
        tried again (a new key: nothing was done) until `patience` runs out; then its
        problem is the error."""
        deadline = time.monotonic() + self.patience
        while True:
            answer = await self.send(officer, service, path, body)
            if answer.status_code in expect:
                return dict(answer.json())
            if answer.status_code not in wait_for or time.monotonic() > deadline:
                raise DemoError(f"POST {service}{path} answered {_problem(answer)}")
            await asyncio.sleep(0.25)

    async def post_form(
        self, officer: Officer, service: str, path: str, form: dict[str, str], photo: bytes
    ) -> Json:
        """POST a form with a photo (a delivery's proof), with its own Idempotency-Key, asked
        again (the same key) when the answer is lost."""
        files = {"photo": ("serah-terima.jpg", photo, "image/jpeg")}
        answer = await self._post_once(officer, service, path, data=form, files=files)
        if answer.status_code not in (200, 201):
            raise DemoError(f"POST {service}{path} answered {_problem(answer)}")
        return dict(answer.json())

    async def _post_once(
        self, officer: Officer, service: str, path: str, **content: Any
    ) -> httpx.Response:
        """One POST under one Idempotency-Key: an answer lost on the way is asked again with
        that key, so the service does the work once."""
        headers = {**self._headers(officer), "Idempotency-Key": str(uuid.uuid4())}
        for attempt in range(4):
            try:
                answer = await self._answer("POST", service, path, headers=headers, **content)
            except httpx.TransportError:
                if attempt == 3:
                    raise
                await asyncio.sleep(0.2 * (attempt + 1))
                continue
            self._note_position(answer)
            return answer
        raise AssertionError("unreachable")

    async def _answer(self, method: str, service: str, path: str, **options: Any) -> httpx.Response:
        """One request and its answer, which must come within ANSWER_WITHIN_S: httpx's own
        timeouts do not bound a service played in process (its ASGI transport), and a day
        waiting on a call that never ends would never end either."""
        try:
            async with asyncio.timeout(ANSWER_WITHIN_S):
                return await self.client.request(method, self.urls[service] + path, **options)
        except TimeoutError:
            raise DemoError(
                f"{method} {service}{path} gave no answer within {ANSWER_WITHIN_S:.0f}s"
            ) from None

    async def get(
        self, officer: Officer, service: str, path: str, params: Json | None = None
    ) -> Json:
        """GET, asked again while the service answers that it could not catch up in time."""
        deadline = time.monotonic() + self.patience
        while True:
            answer = await self._answer(
                "GET", service, path, params=params, headers=self._headers(officer)
            )
            if answer.status_code == 200:
                return dict(answer.json())
            if answer.status_code != 503 or time.monotonic() > deadline:
                raise DemoError(f"GET {service}{path} answered {_problem(answer)}")
            await asyncio.sleep(0.25)

    async def items(
        self, officer: Officer, service: str, path: str, params: Json | None = None
    ) -> list[Json]:
        """Every item of a list, following its `next` cursor."""
        found: list[Json] = []
        query = {**(params or {}), "limit": 500}
        while True:
            page = await self.get(officer, service, path, query)
            found += page["items"]
            if not page.get("next"):
                return found
            query["cursor"] = page["next"]

    async def eventually(self, probe: Callable[[], Awaitable[T | None]], what: str) -> T:
        """Poll `probe` until it gives a value: another service's view catching up."""
        deadline = time.monotonic() + self.patience
        while True:
            value = await probe()
            if value is not None and value is not False:
                return value
            if time.monotonic() > deadline:
                raise DemoError(f"waited {self.patience:.0f}s for {what}")
            await asyncio.sleep(0.25)


def _problem(answer: httpx.Response) -> str:
    try:
        body = answer.json()
    except ValueError:
        return f"{answer.status_code}: {answer.text[:300]}"
    detail = body.get("detail") or body.get("title") if isinstance(body, dict) else body
    errors = body.get("errors") if isinstance(body, dict) else None
    return f"{answer.status_code}: {detail}" + (f" {errors}" if errors else "")
