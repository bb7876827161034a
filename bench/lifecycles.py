"""Dossier lifecycles for the benchmarks, as the SOP runs them: registered -> recapped ->
letter drafted -> signed -> handover -> delivered (or, one in ten, returned).

Each step becomes an event as the services build it (`envelope`); `bench.fill` seals and
appends them as intake and the courier do."""

import itertools
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.events import Actor, EventData, new_event
from shared.events.envelope import Envelope
from shared.vocabulary import Role

FO = {"officer_id": "198001012005011001", "name": "Siti Rahma", "role": "FO"}
KASUBBAG = {"officer_id": "197505052000031002", "name": "Hendra Saputra", "role": "KASUBBAG_UMUM"}
SEKRETARIS = {"officer_id": "197002021995032003", "name": "Dewi Lestari", "role": "SEKRETARIS"}
COURIER = {"officer_id": "kurir-07", "name": "Andi Kurir", "role": "COURIER"}
START = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Step:
    """One event of a lifecycle: its stream, version in it, type, data (JSON values), actor."""

    stream_id: str
    version: int
    type: str
    data: dict[str, Any]
    actor: dict[str, str]
    at: datetime


class Ids:
    """Distinct UUIDs (version 4 form) from a random run prefix and a counter: uuid4() costs
    several microseconds each, which would dominate filling a log of a million events."""

    def __init__(self) -> None:
        self._prefix = f"{random.getrandbits(32):08x}-{random.getrandbits(16):04x}-4"
        self._counter = itertools.count(random.getrandbits(40))

    def __call__(self) -> str:
        n = next(self._counter)
        high, middle, low = (n >> 48) & 0xFFF, (n >> 36) & 0xFFF, n & 0xFFFFFFFFFFFF
        return f"{self._prefix}{high:03x}-8{middle:03x}-{low:012x}"


def steps(dossiers: int, per_recap: int = 10, start: datetime = START) -> Iterator[Step]:
    """The events of `dossiers` lifecycles, recap by recap, in the order the office makes them."""
    new_id = Ids()
    clock = start
    tick = timedelta(seconds=1)
    made = 0
    while made < dossiers:
        batch = [new_id() for _ in range(min(per_recap, dossiers - made))]
        made += len(batch)
        recap, letter = new_id(), new_id()
        for n, dossier in enumerate(batch):
            clock += tick
            yield Step(f"dossier-{dossier}", 1, "DocumentRegistered", {
                "dossier_id": dossier,
                "nik": f"147101450690{n:04d}",
                "name": "Rina Marlina",
                "address": "Jl. Sudirman No. 12, Pekanbaru",
                "phone": "+6281234567890",
                "document_type": "KTP_EL",
                "document_number": f"KTP-{dossier[:8]}",
            }, FO, clock)  # fmt: skip
        number = f"470/{made:06d}/DUKCAPIL"
        clock += tick
        yield Step(f"recap-{recap}", 1, "RecapCompiled", {
            "recap_id": recap, "document_type": "KTP_EL", "dossier_ids": batch,
        }, FO, clock)  # fmt: skip
        letter_data = {"letter_id": letter, "letter_number": number, "recap_id": recap}
        clock += tick
        yield Step(f"letter-{letter}", 1, "LetterDrafted", letter_data, KASUBBAG, clock)
        clock += tick
        yield Step(f"letter-{letter}", 2, "LetterSigned", letter_data, SEKRETARIS, clock)
        clock += tick
        yield Step(f"handover-{letter}", 1, "HandoverAccepted", {
            "letter_id": letter, "recap_id": recap, "dossier_ids": batch,
        }, COURIER, clock)  # fmt: skip
        for n, dossier in enumerate(batch):
            clock += tick
            if n % 10 == 9:
                yield Step(f"delivery-{dossier}", 1, "Returned", {
                    "dossier_id": dossier, "letter_id": letter,
                    "reason": "RECIPIENT_NOT_HOME", "note": "rumah kosong",
                }, COURIER, clock)  # fmt: skip
            else:
                yield Step(f"delivery-{dossier}", 1, "Delivered", {
                    "dossier_id": dossier, "letter_id": letter,
                    "recipient_name": "Rina Marlina", "relationship": "SELF", "note": "",
                }, COURIER, clock)  # fmt: skip


def recaps(lifecycle: Sequence[Step]) -> list[list[Step]]:
    """The lifecycle cut into its recaps' runs: registrations to the last delivery."""
    runs: list[list[Step]] = []
    for step in lifecycle:
        if not runs or (step.type == "DocumentRegistered" and runs[-1][-1].type != step.type):
            runs.append([])
        runs[-1].append(step)
    return runs


def envelope(step: Step) -> Envelope:
    """The step as a service builds it (validated pydantic models), not yet appended."""
    data = EventData.registry[step.type].model_validate(step.data)
    actor = Actor(officer_id=step.actor["officer_id"], name=step.actor["name"],
                  role=Role(step.actor["role"]))  # fmt: skip
    return new_event(data, stream_id=step.stream_id, actor=actor, office="1471",
                     occurred_at=step.at)  # fmt: skip
