"""An example for the third party: receive the office's webhooks (Standard Webhooks v1).

Needs only the endpoint's secret, which `jasa webhooks add URL` printed:

    WEBHOOK_SECRET='whsec_...' WEBHOOK_DATABASE=receiver.db \\
        uvicorn --factory examples.courier_webhook_receiver:create_app --port 9000

and the office adds `https://<your host>/webhooks/jasa-dukcapil` as its endpoint.

Every call is verified before anything is done with it: the signature (any of the
space-separated ones; during a rotation of the secret there are two), and the timestamp,
which must be within five minutes of now (an old call replayed by someone who recorded it
is refused). The `webhook-id` is the idempotency key: the office sends a message again
until it gets a 2xx, and also when it cannot know whether its call arrived, so the same
id may come more than once. It is recorded in the same transaction as the call's effect,
and a second arrival is answered 200 without doing anything again.

Answer quickly (the office waits 15 s): take the work, commit it, answer; do the slow part
later. A 2xx means "got it"; anything else, or no answer, is tried again later; 410 tells
the office to stop calling this endpoint."""

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, Response
from standardwebhooks import Webhook, WebhookVerificationError
from starlette.concurrency import run_in_threadpool


class Inbox:
    """What this courier was told, once per `webhook-id` (an SQLite file)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with self._transaction() as db:
            db.execute("CREATE TABLE IF NOT EXISTS received (webhook_id TEXT PRIMARY KEY)")
            db.execute(
                "CREATE TABLE IF NOT EXISTS event (webhook_id TEXT, type TEXT, "
                "subject TEXT, at TEXT, body TEXT)"
            )

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=10)
        try:
            with db:  # commits, or rolls back on an error
                yield db
        finally:
            db.close()

    def apply_once(self, webhook_id: str, payload: dict[str, Any], body: str) -> bool:
        """Apply the message unless it was applied before; True if it was applied now."""
        with self._transaction() as db:
            fresh = db.execute(
                "INSERT OR IGNORE INTO received (webhook_id) VALUES (?)", (webhook_id,)
            ).rowcount
            if fresh:
                data = payload.get("data", {})
                subject = data.get("letter_id") or data.get("dossier_id") or ""
                db.execute(
                    "INSERT INTO event VALUES (?, ?, ?, ?, ?)",
                    (webhook_id, payload.get("type"), subject, payload.get("timestamp"), body),
                )
        return bool(fresh)

    def events(self) -> list[dict[str, Any]]:
        with self._transaction() as db:
            rows = db.execute("SELECT webhook_id, type, subject, at FROM event ORDER BY rowid")
            return [
                {"webhook_id": row[0], "type": row[1], "subject": row[2], "timestamp": row[3]}
                for row in rows
            ]


def create_app(secret: str | None = None, database: Path | None = None) -> FastAPI:
    webhook = Webhook(secret or os.environ["WEBHOOK_SECRET"])
    inbox = Inbox(database or Path(os.environ.get("WEBHOOK_DATABASE", "receiver.db")))
    app = FastAPI(title="A courier's receiver of Jasa Dukcapil webhooks")
    app.state.inbox = inbox

    @app.post("/webhooks/jasa-dukcapil")
    async def receive(request: Request) -> Response:
        """One webhook: verified on the bytes as they came, then applied once per id."""
        body = await request.body()
        try:
            payload = webhook.verify(body, dict(request.headers))
        except WebhookVerificationError as refused:
            return Response(f"refused: {refused}", status_code=400)
        webhook_id = request.headers["webhook-id"]
        # SQLite is synchronous: in a worker thread, so that the loop goes on serving.
        applied = await run_in_threadpool(inbox.apply_once, webhook_id, payload, body.decode())
        return Response(status_code=204 if applied else 200)

    @app.get("/events")
    async def events() -> list[dict[str, Any]]:
        """What this receiver applied, once each, in the order it came."""
        return await run_in_threadpool(inbox.events)

    return app
