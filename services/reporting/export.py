"""`jasa log export`: the archive's sealed past as files for cold storage, one segment per
signed checkpoint.

A segment is the archived events after one checkpoint up to the next, as JSON Lines
compressed with gzip (`<office>-<first>-<last>.jsonl.gz`): each line is an event's
canonical bytes, exactly those the audit chain hashed, so the chain can be recomputed from
the file alone. Beside it, `<office>-<first>-<last>.checkpoint.json` holds the signed
checkpoint that ends the segment and the one before it (whose chain hash the segment
starts from): with the office's public key, `segment_flaw` checks a segment without the
database. Personal data stays sealed under its dossier's key, as in the archive, so an
erasure reaches the exported copies too.

A segment whose chain does not end at its checkpoint's hash is not exported. The checkpoint
file is written last, each file under a temporary name first: a run cut off leaves no file
that looks whole, and the next run writes only what is missing."""

import asyncio
import gzip
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from services.reporting.archive import ArchivedEvent, Checkpoint
from services.reporting.sealing import chain, signature_holds
from shared.db import table_of

ROWS_A_STEP = 1000
ARCHIVE, CHECKPOINTS = table_of(ArchivedEvent), table_of(Checkpoint)
SEALED = ("count", "position", "chain_hash", "signature")


class SegmentBroken(Exception):
    """The archive's events do not chain up to the checkpoint that seals them."""


@dataclass(frozen=True, slots=True)
class Exported:
    written: int  # segments written by this run
    kept: int  # segments a run before had written


def segment_name(office: str, first: int, last: int) -> str:
    return f"{office}-{first:012d}-{last:012d}"


async def export_segments(engine: AsyncEngine, office: str, folder: Path) -> Exported:
    """Write every checkpointed segment of the office's archive not yet in `folder`."""
    await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
    query = (
        select(*(CHECKPOINTS.c[field] for field in SEALED))
        .where(CHECKPOINTS.c.office == office)
        .order_by(CHECKPOINTS.c.count)
    )
    async with engine.connect() as connection:
        checkpoints = [
            dict(zip(SEALED, row, strict=True)) for row in await connection.execute(query)
        ]
    written = kept = 0
    previous: dict[str, Any] | None = None
    for checkpoint in checkpoints:
        first = previous["count"] + 1 if previous else 1
        name = segment_name(office, first, checkpoint["count"])
        if await asyncio.to_thread((folder / f"{name}.checkpoint.json").exists):
            kept += 1
        else:
            await _export(engine, office, folder, name, previous, checkpoint)
            written += 1
        previous = checkpoint
    return Exported(written, kept)


async def _export(
    engine: AsyncEngine,
    office: str,
    folder: Path,
    name: str,
    previous: dict[str, Any] | None,
    checkpoint: dict[str, Any],
) -> None:
    lines, part = folder / f"{name}.jsonl.gz", folder / f"{name}.jsonl.gz.part"
    chain_hash = previous["chain_hash"] if previous else ""
    seq = previous["count"] if previous else 0
    out = await asyncio.to_thread(gzip.GzipFile, part, "wb")
    try:
        while seq < checkpoint["count"]:
            query = (
                select(ARCHIVE.c.seq, ARCHIVE.c.body)
                .where(ARCHIVE.c.office == office, ARCHIVE.c.seq > seq)
                .where(ARCHIVE.c.seq <= checkpoint["count"])
                .order_by(ARCHIVE.c.seq)
                .limit(ROWS_A_STEP)
            )
            async with engine.connect() as connection:
                rows = (await connection.execute(query)).all()
            if not rows or rows[0][0] != seq + 1:
                raise SegmentBroken(f"the archive lacks event {seq + 1} of segment {name}")
            bodies = [body.encode() for _, body in rows]
            for body in bodies:
                chain_hash = chain(chain_hash, body)
            await asyncio.to_thread(out.write, b"".join(body + b"\n" for body in bodies))
            seq = rows[-1][0]
    finally:
        await asyncio.to_thread(out.close)
    if chain_hash != checkpoint["chain_hash"]:
        await asyncio.to_thread(part.unlink)
        raise SegmentBroken(f"segment {name} does not chain up to its checkpoint")
    sealed = {
        "office": office,
        "lines": lines.name,
        "checkpoint": {field: checkpoint[field] for field in SEALED},
        "previous": {field: previous[field] for field in SEALED} if previous else None,
    }
    await asyncio.to_thread(_finish, part, lines, folder / f"{name}.checkpoint.json", sealed)


def _finish(part: Path, lines: Path, checkpoint: Path, sealed: dict[str, Any]) -> None:
    os.replace(part, lines)
    temporary = checkpoint.with_suffix(".part")
    temporary.write_text(json.dumps(sealed, indent=2) + "\n")
    os.replace(temporary, checkpoint)


def segment_flaw(checkpoint_file: Path, public_key: Ed25519PublicKey) -> str | None:
    """What is wrong with an exported segment (None: nothing): its checkpoints' signatures,
    its number of lines, and its chain from the previous checkpoint's hash to its own."""
    sealed = json.loads(checkpoint_file.read_text())
    office, ending, previous = sealed["office"], sealed["checkpoint"], sealed["previous"]
    for seal in (ending, previous):
        if seal is not None and not signature_holds(
            public_key, office, seal["position"], seal["count"], seal["chain_hash"],
            seal["signature"],
        ):  # fmt: skip
            return f"the checkpoint over {seal['count']} events is not signed by this key"
    chain_hash = previous["chain_hash"] if previous else ""
    count = previous["count"] if previous else 0
    last = b"{}"
    with gzip.open(checkpoint_file.parent / sealed["lines"], "rb") as lines:
        for line in lines:
            last = line.rstrip(b"\n")
            chain_hash = chain(chain_hash, last)
            count += 1
    position = json.loads(last).get("position")
    if count != ending["count"]:
        return f"the segment holds events up to {count}, its checkpoint {ending['count']}"
    if chain_hash != ending["chain_hash"] or position != ending["position"]:
        return f"the segment's chain does not end at the checkpoint over {count} events"
    return None
