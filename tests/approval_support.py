"""What approval's tests need from the rest of the office: the events intake appends
(registrations and a recap of them), and patience while the projection catches up."""

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TypeVar

from shared.events import Envelope, RecapCompiled, new_event
from shared.log import EventLog
from shared.vocabulary import DocumentType
from tests.factories import FO, registered

T = TypeVar("T")

KASUBBAG = {"role": "KASUBBAG_UMUM", "officer_id": "197503102000031002", "name": "Budi Santoso"}
SEKRETARIS = {
    "role": "SEKRETARIS",
    "officer_id": "196812121990032001",
    "name": "Dra. Hj. Nurhayati",
}

CITIZENS = [
    ("Rina Marlina", "Jl. Sudirman No. 12, Pekanbaru", "+6281234567890"),
    ("Ahmad Fauzi", "Jl. Tuanku Tambusai No. 7, Pekanbaru", "+6285265432101"),
    ("Dewi Lestari", "Perum Griya Indah Blok C-4, Tampan", "+6282170001122"),
]


def recap_compiled(
    dossier_ids: list[uuid.UUID],
    document_type: DocumentType = DocumentType.KTP_EL,
    compiled_at: datetime | None = None,
) -> Envelope:
    recap_id = uuid.uuid4()
    return new_event(
        RecapCompiled(
            recap_id=recap_id, document_type=document_type, dossier_ids=tuple(dossier_ids)
        ),
        stream_id=f"recap-{recap_id}",
        actor=FO,
        office="1471",
        occurred_at=compiled_at,
    )


async def compile_recap(
    log: EventLog, citizens: int = 3, compiled_at: datetime | None = None
) -> tuple[uuid.UUID, list[Envelope]]:
    """Register some citizens and compile their recap, as intake would; the recap's id."""
    registrations = []
    for n in range(citizens):
        name, address, phone = CITIZENS[n % len(CITIZENS)]
        event = registered(name=name, address=address, phone=phone)
        await log.append(event.stream_id, [event], expected_version=0)
        registrations.append(event)
    recap = recap_compiled([e.data.dossier_id for e in registrations], compiled_at=compiled_at)  # type: ignore[attr-defined]
    await log.append(recap.stream_id, [recap], expected_version=0)
    return recap.data.recap_id, registrations  # type: ignore[attr-defined]


async def eventually(check: Callable[[], Awaitable[T | None]], within: float = 10.0) -> T:
    """Poll until `check` gives something truthy (the consumer caught up) or fail."""
    deadline = time.monotonic() + within
    while True:
        value = await check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"nothing came within {within} seconds")
        await asyncio.sleep(0.05)
