"""`jasa log export --to DIR`: the archive's checkpointed segments as gzipped JSON Lines
beside their signed checkpoints, which an auditor checks without the database."""

import asyncio
import gzip
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from redis.asyncio import Redis
from sqlalchemy import text

from services.reporting.export import segment_flaw
from services.reporting.trimming import archive_log
from shared.keys import Keys
from tests.integration.reporting.archiving_support import (
    an_office_with_a_finished_past,
    archived_and_sealed,
    tiered_log,
)
from tests.integration.reporting.conftest import Reporting, run_jasa
from tests.sop_history import Office


async def exported_office(
    redis: Redis, keys: Keys, office: Office, reporting: Reporting, folder: Path
) -> list[Path]:
    """A half-archived office exported to `folder`: its segments' checkpoint files."""
    await an_office_with_a_finished_past(office)
    await archived_and_sealed(reporting, office)
    await archive_log(tiered_log(redis, keys, reporting), reporting.sessions,
                      reporting.sealer.public_key)  # fmt: skip
    exported = await run_jasa("log", "export", "--to", str(folder))
    assert exported.exit_code == 0, exported.output
    return await asyncio.to_thread(lambda: sorted(folder.glob("*.checkpoint.json")))


async def test_each_exported_segment_verifies_against_its_signed_checkpoint(
    redis: Redis, keys: Keys, office: Office, reporting: Reporting, tmp_path: Path
) -> None:
    seals = await exported_office(redis, keys, office, reporting, tmp_path / "cold")

    async with reporting.engine.connect() as connection:
        checkpoints = await connection.execute(text("SELECT count(*) FROM reporting_checkpoint"))
        bodies = await connection.execute(text("SELECT body FROM reporting_archive ORDER BY seq"))
        archived = [body.encode() for (body,) in bodies]
        sealed = checkpoints.scalar_one()
    lines = [
        line.rstrip(b"\n")
        for seal in seals
        for line in gzip.open(seal.parent / seal.name.replace(".checkpoint.json", ".jsonl.gz"))
    ]
    assert len(seals) == sealed > 2
    assert [segment_flaw(seal, reporting.sealer.public_key) for seal in seals] == [None] * sealed
    assert lines == archived  # every event once, in order, byte for byte as the chain hashed it
    checked = await run_jasa("log", "check-export", str(tmp_path / "cold"))
    assert checked.exit_code == 0, checked.output
    again = await run_jasa("log", "export", "--to", str(tmp_path / "cold"))
    assert f"0 segments written to {tmp_path / 'cold'} ({sealed} there already)" in again.output


async def test_a_changed_line_or_another_key_is_named_by_the_check(
    redis: Redis, keys: Keys, office: Office, reporting: Reporting, tmp_path: Path
) -> None:
    seal = (await exported_office(redis, keys, office, reporting, tmp_path))[1]
    lines = seal.parent / seal.name.replace(".checkpoint.json", ".jsonl.gz")
    with gzip.open(lines) as read:
        original = read.read()
    assert segment_flaw(seal, Ed25519PrivateKey.generate().public_key()) is not None
    with gzip.open(lines, "wb") as written:
        written.write(original.replace(b'"version":', b'"version":1', 1))

    flaw = segment_flaw(seal, reporting.sealer.public_key)

    assert flaw is not None and "does not end at the checkpoint" in flaw
    checked = await run_jasa("log", "check-export", str(tmp_path))
    assert checked.exit_code == 1 and seal.name in checked.output
