"""Webhook lag: the courier service as a real process (uvicorn) and a receiver on the
loopback that verifies every call (`standardwebhooks`), as a courier's would. Letters are
signed at 50/s from an open-loop generator; the lag of each is from the start of its
LetterSigned append to the moment the receiver has verified its `handover.ready` and
answers 2xx. Each handover's documents, recap and draft are in the log (and projected)
before the clock starts, as in an office where drafting comes well before signing."""

import asyncio
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import cast

import orjson
import uvicorn
from redis.asyncio import Redis
from standardwebhooks import Webhook, WebhookVerificationError
from starlette.types import Receive, Scope, Send

from bench.latency import PII_KEY, open_loop, percentile, privacy, service, service_env
from shared.events import (
    Actor,
    DocumentRegistered,
    Envelope,
    LetterDrafted,
    LetterSigned,
    RecapCompiled,
    new_event,
)
from shared.keys import Keys
from shared.log import EventLog
from shared.redis_server import free_port
from shared.vocabulary import DocumentType, Role
from shared.webhooks.office import OfficeWebhooks
from shared.webhooks.outbox import message_id
from shared.webhooks.sender import now_ms

FO = Actor(officer_id="bench-fo", name="FO Bench", role=Role.FO)
KASUBBAG = Actor(officer_id="bench-kasubbag", name="Kasubbag Bench", role=Role.KASUBBAG_UMUM)
SEKRETARIS = Actor(officer_id="bench-sekretaris", name="Sekretaris Bench", role=Role.SEKRETARIS)


class Handover:
    """One letter of one document, its events up to the draft, and the signature apart."""

    def __init__(self, n: int) -> None:
        self.dossier_id, self.recap_id, self.letter_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        self.number = f"470/Dukcapil-PDIP/{n:05d}/2026"

    def drafted(self) -> list[Envelope]:
        registered = DocumentRegistered(
            dossier_id=self.dossier_id,
            nik="1471014506900003",
            name="Rina Marlina",
            address="Jl. Sudirman No. 12, Pekanbaru",
            phone="+6281234567890",
            document_type=DocumentType.KTP_EL,
            document_number="1471014506900003",
        )
        recap = RecapCompiled(
            recap_id=self.recap_id,
            document_type=DocumentType.KTP_EL,
            dossier_ids=(self.dossier_id,),
        )
        draft = LetterDrafted(
            letter_id=self.letter_id, letter_number=self.number, recap_id=self.recap_id
        )
        return [
            new_event(registered, stream_id=f"dossier-{self.dossier_id}", actor=FO, office="1471"),
            new_event(recap, stream_id=f"recap-{self.recap_id}", actor=FO, office="1471"),
            new_event(draft, stream_id=f"letter-{self.letter_id}", actor=KASUBBAG, office="1471"),
        ]

    def signed(self) -> Envelope:
        data = LetterSigned(
            letter_id=self.letter_id, letter_number=self.number, recap_id=self.recap_id
        )
        return new_event(
            data, stream_id=f"letter-{self.letter_id}", actor=SEKRETARIS, office="1471"
        )


class VerifyingReceiver:
    """ASGI: verifies each call and notes when each letter's handover.ready was verified."""

    def __init__(self, expected: int) -> None:
        self.secret = ""
        self.verified_at: dict[str, float] = {}
        self.refused = 0
        self.expected = expected
        self.all_in = threading.Event()  # it runs in a thread of its own

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        try:
            Webhook(self.secret).verify(body, headers, json_parse=False)
            letter = orjson.loads(body)["data"]["letter_id"]
            self.verified_at.setdefault(letter, time.perf_counter())
            if len(self.verified_at) >= self.expected:
                self.all_in.set()
            status = 204
        except (WebhookVerificationError, KeyError, ValueError):
            self.refused += 1
            status = 400
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b""})


@contextmanager
def receiving(app: VerifyingReceiver) -> Iterator[str]:
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}/webhooks"
    finally:
        server.should_exit = True
        thread.join(10)


async def webhook_lag(
    redis_url: str,
    scratch: Path,
    rate: float = 50,
    seconds: float = 10,
    warmup_s: float = 2,
    endpoint: bool = True,
) -> dict[str, float]:
    """The lag and its stages; without an `endpoint`, only the feed's (the baseline: what the
    courier's consumer costs when nobody is owed a webhook)."""
    data_dir = scratch / "courier"
    prefix = f"bench-courier-{uuid.uuid4().hex[:8]}:"
    env = service_env(redis_url, prefix, data_dir) | {"JASA_WEBHOOK_ALLOW_PRIVATE": "true"}
    warmup = int(rate * warmup_s)
    count = warmup + int(rate * seconds)
    handovers = [Handover(n) for n in range(count)]
    redis = Redis.from_url(redis_url)
    keys = Keys("1471", prefix)
    log = EventLog(redis, keys, privacy(redis, keys))  # as intake appends: sealed
    receiver = VerifyingReceiver(expected=count)
    signed_at: dict[str, float] = {}
    wall_signed: dict[str, float] = {}
    try:
        with receiving(receiver) as url, service("courier", env, data_dir):
            hooks = OfficeWebhooks.of(redis, keys, PII_KEY)
            if endpoint:
                _, receiver.secret = await hooks.endpoints.add(url, [], "bench", now_ms())
            for handover in handovers:
                for event in handover.drafted():
                    await log.append(event.stream_id, [event], 0)
            await _caught_up(redis, keys)

            async def send(n: int) -> None:
                handover = handovers[n]
                started, wall = time.perf_counter(), time.time()
                signed = handover.signed()
                await log.append(signed.stream_id, [signed], 1)
                signed_at[str(handover.letter_id)] = started
                wall_signed[str(handover.letter_id)] = wall

            await open_loop(send, rate, count, 0, limit_s=10)  # type: ignore[arg-type]
            await asyncio.to_thread(receiver.all_in.wait, 60 if endpoint else 10)
            order = sorted(signed_at, key=lambda letter: signed_at[letter])[warmup:]
            stages = await _stages(hooks, redis, keys, order, wall_signed)
    finally:
        await redis.aclose()
    if not endpoint:
        return stages
    never = max(receiver.verified_at.values(), default=0) + 60
    lags = [(receiver.verified_at.get(n, never) - signed_at[n]) * 1000 for n in order]
    return {
        "webhook_handovers": float(len(lags)),
        "webhook_missing": float(sum(1 for n in order if n not in receiver.verified_at)),
        "webhook_refused": float(receiver.refused),
        "webhook_lag_p50_ms": percentile(lags, 50),
        "webhook_lag_p99_ms": percentile(lags, 99),
        **stages,
    }


async def _stages(
    hooks: OfficeWebhooks, redis: Redis, keys: Keys, letters: list[str], signed: dict[str, float]
) -> dict[str, float]:
    """Where the lag is spent: from the append to the courier feed's entry (the consumer's
    part, which the Redis feed has as well), and from the message made to its 2xx recorded
    (the dispatcher's part). Wall-clock milliseconds, all on this machine."""
    entries = cast(list[tuple[bytes, dict[bytes, bytes]]], await redis.xrange(keys.courier_feed))
    fed = {fields[b"letter_id"].decode(): int(entry.split(b"-")[0]) for entry, fields in entries}
    endpoints = await hooks.endpoints.all()
    to_feed, dispatched = [], []
    for letter in letters:
        if letter in fed:
            to_feed.append(fed[letter] - signed[letter] * 1000)
        key = f"handover.ready:{letter}"
        if not endpoints:
            continue
        message = await hooks.outbox.get(message_id("1471", endpoints[0].id, key))
        if message is not None and message.delivered_ms is not None:
            dispatched.append(float(message.delivered_ms - message.created_ms))
    return {
        "webhook_feed_lag_p50_ms": percentile(to_feed, 50) if to_feed else -1.0,
        "webhook_feed_lag_p99_ms": percentile(to_feed, 99) if to_feed else -1.0,
        "webhook_dispatch_p50_ms": percentile(dispatched, 50) if dispatched else -1.0,
        "webhook_dispatch_p99_ms": percentile(dispatched, 99) if dispatched else -1.0,
    }


async def _caught_up(redis: Redis, keys: Keys, group: str = "courier") -> None:
    """Wait until the courier's group has nothing left to read or acknowledge."""
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        groups = await redis.xinfo_groups(keys.log)
        mine = [g for g in groups if g["name"].decode() == group]
        if mine and mine[0]["pending"] == 0 and (mine[0].get("lag") or 0) == 0:
            return
        await asyncio.sleep(0.2)
    raise RuntimeError("the courier service did not catch up with the drafted handovers")


def main() -> None:
    """`python -m bench.webhooks`: this figure alone, on a private Redis."""
    import tempfile

    import uvloop

    from shared.redis_server import RedisServer

    with tempfile.TemporaryDirectory(prefix="jasa-bench-") as scratch:
        server = RedisServer(Path(scratch) / "redis", durable=False).start()
        try:
            asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
            baseline = "--baseline" in sys.argv  # no endpoint: the feed alone
            figures = asyncio.run(webhook_lag(server.url, Path(scratch), endpoint=not baseline))
            print(orjson.dumps(figures).decode())
        finally:
            server.stop()


if __name__ == "__main__":
    main()
