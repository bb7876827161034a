"""`jasa demo` reads its own writes: the office day, played against the four services in
process, sends the latest log position it was answered with along with every later call."""

import contextlib
import importlib
from datetime import date
from random import Random

import httpx

from services.cli.demo.api import OfficeApi
from services.cli.demo.applicants import applicants, registry
from services.cli.demo.office_day import OfficeDay
from services.intake.domain import RegistryEntry
from services.intake.registry import load_registry
from shared.http.positions import LOG_POSITION, READ_AFTER
from shared.store import position_key
from tests.conftest import SECRET

SERVICES = ("intake", "approval", "courier", "reporting")
TODAY = date(2026, 11, 24)


async def test_the_office_day_carries_its_latest_position_from_call_to_call(
    service_env: dict[str, str],
) -> None:
    rng = Random(7)
    people = applicants(8, rng, TODAY)
    walk_in = applicants(1, Random(8), TODAY)[0]
    rows = registry(people, rng, TODAY)
    # Each call's Jasa-Read-After as it is sent, each command's Jasa-Log-Position as it is
    # answered, in the order they happen.
    timeline: list[tuple[str, str | None]] = []

    async def on_request(request: httpx.Request) -> None:
        timeline.append(("sent", request.headers.get(READ_AFTER)))

    async def on_response(response: httpx.Response) -> None:
        if LOG_POSITION in response.headers:
            timeline.append(("answered", response.headers[LOG_POSITION]))

    apps = {
        name: importlib.import_module(f"services.{name}.main").create_app() for name in SERVICES
    }
    async with contextlib.AsyncExitStack() as stack:
        for app in apps.values():
            await stack.enter_async_context(app.router.lifespan_context(app))
        entries = [
            RegistryEntry(r.document_type, r.document_number, r.nik, r.name, r.signed) for r in rows
        ]
        await load_registry(apps["intake"].state.context.engine, entries, office="1471")
        client = httpx.AsyncClient(
            mounts={f"http://{name}": httpx.ASGITransport(app=app) for name, app in apps.items()},
            event_hooks={"request": [on_request], "response": [on_response]},
        )
        api = OfficeApi({name: f"http://{name}" for name in SERVICES}, SECRET, "1471", 30, client)
        result = await OfficeDay(api, people, walk_in, Random(9)).play()
        await api.aclose()

    assert result.control_card["status"] in ("DELIVERED", "RECEIVED_BACK")
    answered = [position for what, position in timeline if what == "answered"]
    first_answer = timeline.index(("answered", answered[0]))
    carried = [position for what, position in timeline[first_answer:] if what == "sent"]
    assert timeline[0] == ("sent", None)
    assert None not in carried, "every call after the first command's answer carries one"
    in_order = [position_key(position) for position in carried if position is not None]
    assert in_order == sorted(in_order), "the position carried never goes back"
    assert carried[-1] == max(answered, key=lambda p: position_key(p or ""))
