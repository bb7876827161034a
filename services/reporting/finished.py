"""Which archived events may leave Redis: those older than the hot window whose dossiers
are all finished (delivered, or received back), as the reporting read model knows them.

A dossier's own events concern that dossier; a recap and a handover concern the dossiers
they list, and a letter those of its recap. Any other event (an erasure of a dossier not
yet finished, a record of the log's own archiving, an event of a type added later) stays
in Redis: nothing is trimmed that no rule here says is finished."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.reporting.projections import ReportingDossier, ReportingRecap
from shared.db import chunks
from shared.vocabulary import DossierStatus

FINISHED = {DossierStatus.DELIVERED.value, DossierStatus.RECEIVED_BACK.value}
ONE_DOSSIER = {
    "DocumentRegistered",
    "DocumentFlagged",
    "FlagResolved",
    "DossierCorrected",
    "OutForDelivery",
    "DeliveryAttemptFailed",
    "ReceiptCodeRefused",
    "Delivered",
    "Returned",
    "ReturnReceived",
    "PersonalDataErased",
}
LISTED_DOSSIERS = {"RecapCompiled", "HandoverAccepted"}
OF_A_RECAP = {"LetterDrafted", "LetterSigned", "LetterRejected", "RejectionAddressed"}
MAY_LEAVE = ONE_DOSSIER | LISTED_DOSSIERS | OF_A_RECAP  # the types a rule here may let go


@dataclass(frozen=True, slots=True)
class Concern:
    """What an archived event concerns: dossiers, or a recap whose dossiers they are."""

    dossiers: tuple[str, ...] = ()
    recap: str | None = None


def concern_of(body: Mapping[str, Any]) -> Concern | None:
    """What the event (its canonical JSON, parsed) concerns; None: it always stays."""
    kind, data = body.get("type"), body.get("data") or {}
    if kind in ONE_DOSSIER:
        return Concern(dossiers=(str(data["dossier_id"]),))
    if kind in LISTED_DOSSIERS:
        return Concern(dossiers=tuple(str(d) for d in data["dossier_ids"]))
    if kind in OF_A_RECAP:
        return Concern(recap=str(data["recap_id"]))
    return None


def sealing_subject(body: Mapping[str, Any]) -> str | None:
    """Whose data key seals the personal data an archived event may carry (shared.privacy):
    its dossier's, or its letter's; None for an event that carries none of its own."""
    kind, data = body.get("type"), body.get("data") or {}
    if kind in ONE_DOSSIER:
        return str(data["dossier_id"])
    if kind in OF_A_RECAP:
        return str(data["letter_id"])
    return None


def occurred_at(body: Mapping[str, Any]) -> datetime:
    return datetime.fromisoformat(str(body["occurred_at"]).replace("Z", "+00:00"))


async def finished_among(
    session: AsyncSession, office: str, bodies: Sequence[Mapping[str, Any]], before: datetime
) -> list[bool]:
    """For each event, whether it may leave Redis: older than `before`, and every dossier
    it concerns finished. Two queries for a page, whatever its size."""
    concerns = [concern_of(body) for body in bodies]
    recaps = await _recap_dossiers(
        session, office, {c.recap for c in concerns if c is not None and c.recap}
    )
    dossiers_of = [
        () if c is None else (recaps.get(c.recap, ()) if c.recap else c.dossiers) for c in concerns
    ]
    finished = await _finished_dossiers(session, office, {d for ids in dossiers_of for d in ids})
    return [
        bool(ids) and all(d in finished for d in ids) and occurred_at(body) < before
        for body, ids in zip(bodies, dossiers_of, strict=True)
    ]


async def _recap_dossiers(
    session: AsyncSession, office: str, recap_ids: Iterable[str]
) -> dict[str, tuple[str, ...]]:
    found: dict[str, tuple[str, ...]] = {}
    for chunk in chunks(sorted(recap_ids)):
        query = select(ReportingRecap).where(
            ReportingRecap.office == office, col(ReportingRecap.recap_id).in_(chunk)
        )
        for recap in (await session.exec(query)).all():
            found[recap.recap_id] = tuple(orjson.loads(recap.dossier_ids))
    return found


async def _finished_dossiers(session: AsyncSession, office: str, ids: Iterable[str]) -> set[str]:
    finished: set[str] = set()
    for chunk in chunks(sorted(ids)):
        query = select(ReportingDossier.dossier_id).where(
            ReportingDossier.office == office,
            col(ReportingDossier.dossier_id).in_(chunk),
            col(ReportingDossier.status).in_(FINISHED),
        )
        finished.update((await session.exec(query)).all())
    return finished
