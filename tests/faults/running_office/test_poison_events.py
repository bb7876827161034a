"""Entries no service can read, put into the live log by something that is not one of the
services: every consumer group dead-letters them and goes on (the office's next file is
applied everywhere), `jasa dead-letters` lists each group's with position and error, and
`jasa audit verify` names the first of them."""

import asyncio
import subprocess
import sys
import uuid
from datetime import UTC, datetime

import orjson
import pytest
from redis.asyncio import Redis

from shared.keys import Keys
from shared.vocabulary import DocumentType
from tests.faults.harness import SERVICES, Installation, bounded_client
from tests.faults.running_office.conftest import PEOPLE
from tests.faults.steps import (
    answers_200,
    eventually,
    handover_ready,
    recap_awaiting_letter,
    register_all,
)
from tests.faults.traffic import AUDITOR, FO, KASUBBAG, SEKRETARIS

pytestmark = pytest.mark.e2e


def jasa(office: Installation, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "services.cli", *arguments],
        env=office.environment(),
        capture_output=True,
        text=True,
        timeout=60,
    )


def unknown_type_event() -> bytes:
    """A well-formed envelope of a type the catalogue does not know."""
    return orjson.dumps(
        {
            "event_id": str(uuid.uuid4()),
            "type": "DocumentTeleported",
            "stream_id": f"dossier-{uuid.uuid4()}",
            "version": 1,
            "occurred_at": datetime.now(UTC).isoformat(),
            "office": "1471",
            "actor": {"officer_id": "x", "name": "Someone", "role": "FO"},
            "correlation_id": str(uuid.uuid4()),
            "schema_version": 1,
            "data": {"dossier_id": str(uuid.uuid4())},
        }
    )


async def test_poison_events_are_dead_lettered_by_every_service_which_goes_on(
    office: Installation, redis: Redis
) -> None:
    keys = Keys("1471", office.key_prefix)
    garbled = (
        await redis.xadd(keys.log, {"type": "DocumentRegistered", "event": b"\xff{no"})
    ).decode()
    unknown = (
        await redis.xadd(keys.log, {"type": "DocumentTeleported", "event": unknown_type_event()})
    ).decode()

    # The office goes on: a KK file registered, recapped, its letter drafted and signed,
    # offered to the courier, and its control card shows all of it.
    people = [p for p in PEOPLE if p.document_type is DocumentType.KK][:2]
    async with bounded_client() as client:
        dossier_ids = await register_all(client, office, people)
        recap = await client.post(
            f"{office.url('intake')}/recaps", json={"document_type": "KK"}, headers=FO
        )
        assert recap.status_code == 201, recap.text
        recap_id = recap.json()["recap_id"]
        await recap_awaiting_letter(client, office, recap_id)
        letter = await client.post(
            f"{office.url('approval')}/letters", json={"recap_id": recap_id}, headers=KASUBBAG
        )
        assert letter.status_code == 201, letter.text
        letter_id = letter.json()["letter_id"]
        signed = await client.post(
            f"{office.url('approval')}/letters/{letter_id}/sign", headers=SEKRETARIS
        )
        assert signed.status_code == 200, signed.text
        handover = await handover_ready(client, office, letter_id)
        assert {d["dossier_id"] for d in handover["documents"]} == set(dossier_ids)

        async def card_shows_signature() -> bool:
            answer = await client.get(
                f"{office.url('reporting')}/control-cards/{dossier_ids[0]}", headers=AUDITOR
            )
            return answer.status_code == 200 and answer.json()["status"] == "LETTER_SIGNED"

        await eventually(card_shows_signature)
        for service in SERVICES:
            assert await answers_200(client, f"{office.url(service)}/ready", {}), service

    # Every group dead-lettered both entries, with where they are and why.
    listed = await asyncio.to_thread(jasa, office, "dead-letters", "--json")
    assert listed.returncode == 1, listed.stdout + listed.stderr
    groups = orjson.loads(listed.stdout)
    for service in SERVICES:
        letters = {d["position"]: d for d in groups[service]["dead_letters"]}
        assert set(letters) >= {garbled, unknown}, (service, letters)
        assert "DocumentTeleported" in letters[unknown]["error"]
        assert letters[garbled]["deliveries"] == 1
    plain = await asyncio.to_thread(jasa, office, "dead-letters")
    assert f"position {garbled}" in plain.stdout and f"position {unknown}" in plain.stdout

    # The auditor is told where the log holds something that is not an event.
    verified = await asyncio.to_thread(jasa, office, "audit", "verify")
    assert verified.returncode == 1, verified.stdout + verified.stderr
    assert f"NOT INTACT at position {garbled}" in verified.stdout
