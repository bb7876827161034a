"""Which archived events may leave Redis in a run of `jasa log archive`
(services.reporting.trimming), each checked against the archive's signed chain: the rules
of services.reporting.finished, applied to the archive from the signed checkpoint before
the first event they may let go to one after the last event they do."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Row, func
from sqlalchemy import select as sa_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.reporting.archive import ArchivedEvent, Checkpoint
from services.reporting.finished import MAY_LEAVE, finished_among, occurred_at
from services.reporting.sealing import chain, signature_holds
from shared.db import table_of
from shared.store import position_key

SCAN_PAGE = 1000  # archived events checked at a time for what may leave Redis


class CannotTrim(Exception):
    """The archive and the log disagree (or a checkpoint does not hold): nothing is trimmed
    until `jasa audit verify` has been run and what it names is dealt with."""


@dataclass(frozen=True, slots=True)
class Candidate:
    seq: int
    position: str
    stream_id: str
    event_id: str
    type: str
    body: str
    stored_event: str | None


async def scan(
    session: AsyncSession,
    office: str,
    public_key: Ed25519PublicKey,
    before: datetime,
    consumed: tuple[int, int] | None,
) -> list[Candidate]:
    """The office's archived events still in Redis that may leave it: older than `before`,
    read by every group of the log (before `consumed`), their dossiers finished, and their
    bytes those signed checkpoints vouch for."""
    checkpoints = await _signed(session, office, public_key)
    if not checkpoints:
        return []
    last = checkpoints[-1]
    start = await _resume(session, office, checkpoints, 0)
    if start is None:
        return []
    sealed = {c.count: c for c in checkpoints}
    found: list[Candidate] = []
    chain_hash, seq = start
    # The log is in about the order events occur: a whole page with nothing old
    # enough ends the scan at the next signed checkpoint (which vouches for every
    # byte before it). A week's run then reads about a week of the archive, not the
    # whole hot window; anything old enough beyond is left for a later run.
    stopping = done = unvouched = False
    while seq < last.count and not done:
        rows = await _rows(session, office, seq, min(seq + SCAN_PAGE, last.count))
        page: list[tuple[Row[Any], dict[str, Any]]] = []
        any_old = any_open = False
        for row in rows:
            chain_hash = chain(chain_hash, row.body.encode())
            if row.chain_hash != chain_hash or (
                row.seq in sealed and sealed[row.seq].chain_hash != chain_hash
            ):
                raise CannotTrim(
                    f"archived event {row.seq} at {row.position} does not match the "
                    "chain its checkpoints signed: run `jasa audit verify`"
                )
            if row.trimmed_by is not None:
                any_old = True
            else:
                any_open = any_open or row.type in MAY_LEAVE
                if row.seq < last.count and (
                    consumed is None or position_key(row.position) < consumed
                ):
                    body = orjson.loads(row.body)
                    page.append((row, body))
                    any_old = any_old or occurred_at(body) < before
                    unvouched = True
            seq = row.seq
            unvouched = unvouched and seq not in sealed
            if stopping and seq in sealed:
                done = True
                break
        if len(rows) == 0:
            raise CannotTrim(f"the archive lacks event {seq + 1}: run `jasa audit verify`")
        allowed = await finished_among(session, office, [body for _, body in page], before)
        found += [
            Candidate(row.seq, row.position, row.stream_id, row.event_id, row.type,
                      row.body, row.stored_event)
            for (row, _), ok in zip(page, allowed, strict=True) if ok
        ]  # fmt: skip
        if not any_old:
            stopping, done = True, done or seq in sealed
        elif not any_open and not unvouched and not done:
            # A stretch already trimmed (but for records that always stay): go on
            # from the signed checkpoint before the next event that may leave.
            ahead = await _resume(session, office, checkpoints, seq)
            if ahead is None:
                break
            if ahead[1] > seq:
                chain_hash, seq = ahead
    return found


async def _resume(
    session: AsyncSession, office: str, checkpoints: Sequence[Checkpoint], after: int
) -> tuple[str, int] | None:
    """Where a scan starts to reach the next archived event after `after` still in Redis
    that a rule may let go (a record that always stays does not hold the scan back): the
    chain hash and number of the last signed checkpoint before it. None: no such event
    before the last checkpoint."""
    archive = table_of(ArchivedEvent)
    query = sa_select(func.min(archive.c.seq)).where(
        archive.c.office == office,
        archive.c.trimmed_by.is_(None),
        archive.c.type.in_(sorted(MAY_LEAVE)),
        archive.c.seq > after,
    )
    connection = await session.connection()
    upcoming = (await connection.execute(query)).scalar()
    if upcoming is None or upcoming >= checkpoints[-1].count:
        return None
    base = max((c for c in checkpoints if c.count < upcoming), key=lambda c: c.count, default=None)
    return (base.chain_hash, base.count) if base else ("", 0)


async def _signed(
    session: AsyncSession, office: str, public_key: Ed25519PublicKey
) -> list[Checkpoint]:
    query = select(Checkpoint).where(Checkpoint.office == office)
    checkpoints = list((await session.exec(query.order_by(col(Checkpoint.count)))).all())
    for sealed in checkpoints:
        if not signature_holds(
            public_key, office, sealed.position, sealed.count, sealed.chain_hash,
            sealed.signature,
        ):  # fmt: skip
            raise CannotTrim(
                f"the checkpoint over the first {sealed.count} events carries a signature "
                "the public key does not accept: run `jasa audit verify`"
            )
    return checkpoints


async def _rows(session: AsyncSession, office: str, after: int, up_to: int) -> Sequence[Row[Any]]:
    """The archived events in seq order, as plain rows (no ORM object each)."""
    archive = table_of(ArchivedEvent)
    query = (
        sa_select(archive)
        .where(archive.c.office == office, archive.c.seq > after, archive.c.seq <= up_to)
        .order_by(archive.c.seq)
    )
    connection = await session.connection()
    return (await connection.execute(query)).all()
