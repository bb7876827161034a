"""`jasa webhooks add|list|remove|rotate-secret|enable|failed|replay` on a real Redis: the
office's endpoints, their secrets (shown once, kept sealed), and the failed messages."""

import asyncio
import base64
import re

import orjson
import pytest
from click.testing import Result
from redis.asyncio import Redis
from typer.testing import CliRunner

from services.cli import app as jasa
from services.courier.config import CourierSettings
from shared.keys import Keys
from shared.master_key import load_or_create_master_key
from shared.webhooks.office import OfficeWebhooks
from shared.webhooks.outbox import Attempt
from shared.webhooks.sender import now_ms

RECEIVER = "http://127.0.0.1:9/webhooks"


async def run_jasa(*args: str) -> Result:
    return await asyncio.to_thread(CliRunner().invoke, jasa, list(args))


@pytest.fixture
def cli_env(service_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JASA_WEBHOOK_ALLOW_PRIVATE", "true")
    load_or_create_master_key(CourierSettings())  # as `jasa up` makes it on first run


def printed(result: Result, label: str) -> str:
    found = re.search(rf"^{label}:\s+(\S+)$", result.output, re.MULTILINE)
    assert found, result.output
    return found.group(1)


async def test_add_prints_the_id_and_a_secret_that_is_kept_only_sealed(
    cli_env: None, redis: Redis, key_prefix: str
) -> None:
    added = await run_jasa(
        "webhooks", "add", RECEIVER, "--events", "handover.ready", "--description", "Pos"
    )
    assert added.exit_code == 0, added.output
    endpoint_id, secret = printed(added, "endpoint"), printed(added, "secret")
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) == 32

    listed = orjson.loads((await run_jasa("webhooks", "list", "--json")).stdout)
    assert [(e["endpoint_id"], e["url"], e["events"], e["enabled"]) for e in listed] == [
        (endpoint_id, RECEIVER, ["handover.ready"], True)
    ]
    stored = b""
    async for key in redis.scan_iter(match=f"{key_prefix}*"):
        if await redis.type(key) == b"hash":
            stored += b"".join((await redis.hgetall(key)).values())
    assert secret.encode() not in stored and secret[6:].encode() not in stored


async def test_an_unknown_event_type_is_refused_and_nothing_added(cli_env: None) -> None:
    refused = await run_jasa("webhooks", "add", RECEIVER, "--events", "handover.lost")
    assert refused.exit_code == 2
    assert "handover.lost is not one of" in refused.output
    assert orjson.loads((await run_jasa("webhooks", "list", "--json")).stdout) == []


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "https://127.0.0.1/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://localhost:8443/hook",  # a name that resolves to the loopback
        "https://10.1.2.3/hook",
        "https://[::1]/hook",
    ],
)
async def test_production_refuses_an_endpoint_that_is_not_public_https(
    cli_env: None, monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.setenv("JASA_ENV", "production")
    monkeypatch.setenv("JASA_PII_KEY", base64.b64encode(b"k" * 32).decode())
    refused = await run_jasa("webhooks", "add", url)
    assert refused.exit_code == 2, refused.output
    assert re.search(r"https|not a public address", refused.output)


async def test_outside_production_a_loopback_endpoint_needs_allow_private(
    cli_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JASA_WEBHOOK_ALLOW_PRIVATE", "false")
    refused = await run_jasa("webhooks", "add", RECEIVER)
    assert refused.exit_code == 2 and "not a public address" in refused.output
    monkeypatch.setenv("JASA_WEBHOOK_ALLOW_PRIVATE", "true")
    assert (await run_jasa("webhooks", "add", RECEIVER)).exit_code == 0


async def test_rotate_gives_a_new_secret_and_remove_takes_the_endpoint_away(cli_env: None) -> None:
    added = await run_jasa("webhooks", "add", RECEIVER)
    endpoint_id, first = printed(added, "endpoint"), printed(added, "secret")
    listed = await run_jasa("webhooks", "list")
    assert f"{endpoint_id}  {RECEIVER}  enabled" in listed.output
    rotated = await run_jasa("webhooks", "rotate-secret", endpoint_id)
    assert rotated.exit_code == 0
    assert printed(rotated, "secret") != first
    assert "signs beside it for 24 h" in rotated.output

    assert (await run_jasa("webhooks", "remove", endpoint_id)).exit_code == 0
    again = await run_jasa("webhooks", "remove", endpoint_id)
    assert again.exit_code == 2 and f"no endpoint {endpoint_id}" in again.output
    assert (await run_jasa("webhooks", "rotate-secret", endpoint_id)).exit_code == 2


async def test_failed_messages_are_listed_and_replayed_by_id_or_since(
    cli_env: None, redis: Redis, keys: Keys
) -> None:
    hooks = OfficeWebhooks.of(redis, keys, load_or_create_master_key(CourierSettings()))
    endpoint, _ = await hooks.endpoints.add(RECEIVER, [], "", now_ms())
    for letter in ("letter-1", "letter-2"):
        await hooks.outbox.enqueue([endpoint], "handover.ready", letter, b"{}", now_ms())
    for message in await hooks.outbox.claim_due(now_ms(), 60_000, 10):
        await hooks.outbox.failed(message, Attempt(now_ms(), 500, "answered 500"), now_ms())
    plain = await run_jasa("webhooks", "failed")
    assert plain.exit_code == 1 and "answered 500" in plain.output

    listed = await run_jasa("webhooks", "failed", "--json")
    body = orjson.loads(listed.stdout)
    assert body["count"] == 2
    first, second = (item["message_id"] for item in body["items"])
    assert {item["last_error"] for item in body["items"]} == {"answered 500"}

    replayed = await run_jasa("webhooks", "replay", first)
    assert replayed.exit_code == 0 and f"message {first} queued again" in replayed.output
    assert [m.id for m in await hooks.outbox.failed_messages()] == [second]
    since = await run_jasa("webhooks", "replay", "--since", "1h")
    assert "1 failed message queued again" in since.output
    assert (await run_jasa("webhooks", "failed")).exit_code == 0
    assert {m.id for m in await hooks.outbox.pending()} == {first, second}

    unknown = await run_jasa("webhooks", "replay", "msg_unknown")
    assert unknown.exit_code == 2 and "no message msg_unknown" in unknown.output
    both = await run_jasa("webhooks", "replay", first, "--since", "1h")
    assert both.exit_code == 2
