"""What the tests of the citizen's door share: photos made with Pillow, the receipt code as
the citizen got it (read from the log with the installation's key), and a handover the
courier has accepted, its documents registered with their data keys as intake makes them."""

import io
import os
import struct
import uuid
import zlib
from pathlib import Path

import httpx
from PIL import Image
from redis.asyncio import Redis

from shared.events import OutForDelivery
from shared.log import EventLog
from tests.conftest import token_for
from tests.courier_factories import Handover
from tests.integration.courier_support import get_until
from tests.privacy_support import revealing

COURIER = token_for("COURIER", officer_id="kurir-7", name="Andi Kurir")
AUDITOR = token_for("AUDITOR", officer_id="auditor-1", name="Sri Auditor")


def photo(kind: str = "JPEG", size: tuple[int, int] = (32, 24)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(buffer, kind)
    return buffer.getvalue()


def noisy_png_over_2_mb() -> bytes:
    """A real PNG of random pixels, which do not compress: a little over 2 MB."""
    buffer = io.BytesIO()
    Image.frombytes("RGB", (1000, 760), os.urandom(1000 * 760 * 3)).save(buffer, "PNG")
    assert 2 * 1024 * 1024 < len(buffer.getvalue()) < 3 * 1024 * 1024
    return buffer.getvalue()


async def receipt_code(log: EventLog, redis: Redis, dossier_id: uuid.UUID) -> str:
    """The last code sent to the citizen, as the notifier read it."""
    events = await revealing(log, redis).load(f"delivery-{dossier_id}")
    return [e.data.receipt_code for e in events if isinstance(e.data, OutForDelivery)][-1]


async def accepted_handover(
    client: httpx.AsyncClient, log: EventLog, redis: Redis, documents: int = 2
) -> Handover:
    handover = await Handover(documents=documents).draft_and_sign(revealing(log, redis))
    await get_until(
        client,
        f"/handovers/{handover.letter_id}",
        COURIER,
        lambda r: r.status_code == 200,
        "the signed letter showing as a handover",
    )
    answer = await client.post(f"/handovers/{handover.letter_id}/accept", headers=COURIER)
    assert answer.status_code == 200, answer.text
    return handover


def photo_files(data_dir: Path) -> list[Path]:
    """The photo files kept under the data dir (folders left empty do not count)."""
    return sorted(path for path in (data_dir / "photos").rglob("*") if path.is_file())


def png_claiming_vast_size() -> bytes:
    """A few bytes of PNG whose header claims 100,000 x 100,000 pixels (a decompression bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b""))
        + chunk(b"IEND", b"")
    )
