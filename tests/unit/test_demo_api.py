"""`jasa demo`'s HTTP side: a call a service never answers ends the day with a sentence
naming it, even where httpx's own timeouts do not reach (a service played in process)."""

import asyncio

import httpx
import pytest

from services.cli.demo import api as demo_api
from services.cli.demo.api import AUDITOR, FO_DESK, DemoError, OfficeApi

SECRET = "a-secret-only-for-this-test-0123456789abcdef"


async def never_answers(scope: dict, receive: object, send: object) -> None:  # type: ignore[type-arg]
    await asyncio.Event().wait()


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> OfficeApi:
    monkeypatch.setattr(demo_api, "ANSWER_WITHIN_S", 0.2)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=never_answers))
    urls = dict.fromkeys(("intake", "approval", "courier", "reporting"), "http://office")
    return OfficeApi(urls, SECRET, "1471", patience=5, client=client)


async def test_a_read_never_answered_is_a_demo_error_naming_the_call(api: OfficeApi) -> None:
    with pytest.raises(DemoError, match=r"GET reporting/reports/deliveries gave no answer within"):
        await asyncio.wait_for(api.get(AUDITOR, "reporting", "/reports/deliveries"), 5)


async def test_a_command_never_answered_is_a_demo_error_and_is_not_sent_again(
    api: OfficeApi,
) -> None:
    sent: list[httpx.Request] = []

    async def note(request: httpx.Request) -> None:
        sent.append(request)

    api.client.event_hooks["request"] = [note]
    with pytest.raises(DemoError, match=r"POST intake/dossiers gave no answer within"):
        await asyncio.wait_for(api.post(FO_DESK[0], "intake", "/dossiers", {}), 5)
    assert len(sent) == 1
