"""The citizen's public tracking page: what may be told to whoever holds a tracking code.

Only the document's kind, the steps it reached with their dates (WIB), the delivery
attempts with their reasons, and where to collect a returned document: never a name, NIK,
address, phone, note or officer. Lookups are counted per client address in Redis, under the
office's hash tag, so the limit holds across every process of the service."""

from datetime import datetime

from pydantic import BaseModel, Field
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.reporting.projections import (
    ReportingAttempt,
    ReportingDossier,
    ReportingStep,
    ReportingTracking,
)
from shared.errors import NotFound, Problem
from shared.keys import Keys
from shared.redis_client import AsyncRedis
from shared.settings import CommonSettings
from shared.tracking import normalised_tracking_code, shown_tracking_code
from shared.vocabulary import DOCUMENT_TYPE_NAMES, AttemptReason, DocumentType, DossierStatus
from shared.wib import tanggal_jam, wib_iso

LOOKUPS_PER_MINUTE = 20

STEP_LABELS = {
    "DocumentRegistered": "Permohonan pengantaran didaftarkan",
    "DocumentFlagged": "Berkas diperiksa ulang oleh petugas",
    "FlagResolved": "Pemeriksaan berkas selesai",
    "RecapCompiled": "Masuk daftar rekapan pengiriman",
    "LetterDrafted": "Surat pengantar dibuat",
    "LetterSigned": "Surat pengantar ditandatangani",
    "LetterRejected": "Surat pengantar diperbaiki",
    "HandoverAccepted": "Diserahkan kepada kurir",
    "OutForDelivery": "Sedang diantar ke alamat",
    "DeliveryAttemptFailed": "Pengantaran belum berhasil",
    "Delivered": "Dokumen telah diterima",
    "Returned": "Dokumen dibawa kembali ke kantor",
    "ReturnReceived": "Dokumen sudah di kantor dan dapat diambil",
}
STATUS_LABELS = {
    DossierStatus.REGISTERED: "Terdaftar",
    DossierStatus.FLAGGED: "Sedang diperiksa",
    DossierStatus.RECAPPED: "Disiapkan untuk pengiriman",
    DossierStatus.LETTER_DRAFTED: "Disiapkan untuk pengiriman",
    DossierStatus.LETTER_SIGNED: "Siap diserahkan kepada kurir",
    DossierStatus.WITH_COURIER: "Dibawa kurir",
    DossierStatus.DELIVERED: "Telah diterima",
    DossierStatus.RETURNED: "Dibawa kembali ke kantor",
    DossierStatus.RECEIVED_BACK: "Dapat diambil di kantor",
}
REASON_LABELS = {
    AttemptReason.ADDRESS_NOT_FOUND: "alamat tidak ditemukan",
    AttemptReason.RECIPIENT_NOT_HOME: "penerima tidak di tempat",
    AttemptReason.RECIPIENT_MOVED: "penerima sudah pindah",
    AttemptReason.REFUSED: "dokumen ditolak",
    AttemptReason.OTHER: "alasan lain",
}


class TrackingStepPublic(BaseModel):
    event: str
    label: str
    at: str = Field(description="WIB, ISO 8601 with +07:00")
    at_text: str = Field(description="as a person reads it: `24 November 2026 09:15 WIB`")


class TrackingAttemptPublic(BaseModel):
    attempt: int
    reason: AttemptReason
    reason_label: str
    at: str
    at_text: str


class CollectionPublic(BaseModel):
    """Where and when a citizen collects a document the courier brought back."""

    address: str
    hours: str
    ready: bool = Field(description="the office has the document back already")


class TrackingPublic(BaseModel):
    tracking_code: str
    document_type: DocumentType
    document_name: str
    status: DossierStatus
    status_label: str
    steps: list[TrackingStepPublic]
    attempts: list[TrackingAttemptPublic]
    collect: CollectionPublic | None


class TooManyLookups(Problem):
    status = 429

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(
            f"more than {LOOKUPS_PER_MINUTE} lookups a minute from this address; "
            f"try again in {retry_after_s} s"
        )
        self.retry_after_s = retry_after_s


async def count_lookup(redis: AsyncRedis, keys: Keys, client: str, now: datetime) -> None:
    """Count one lookup of this client in the current minute; TooManyLookups past the limit."""
    minute = int(now.timestamp()) // 60
    key = keys.scoped(f"lacak-rate:{minute}:{client}")
    async with redis.pipeline(transaction=True) as pipe:
        pipe.incr(key)
        pipe.expire(key, 120)
        lookups, _ = await pipe.execute()
    if int(lookups) > LOOKUPS_PER_MINUTE:
        raise TooManyLookups(60 - int(now.timestamp()) % 60)


def _moment(at: datetime) -> tuple[str, str]:
    return wib_iso(at), tanggal_jam(at)


async def tracking_of(
    session: AsyncSession, offices: list[str], typed: str, settings: CommonSettings
) -> TrackingPublic:
    """The public view of the dossier a tracking code names, in any office served."""
    code = normalised_tracking_code(typed)
    unknown = NotFound("kode lacak tidak dikenal; periksa kembali kode pada tanda terima")
    if code is None:
        raise unknown
    found = (
        await session.exec(
            select(ReportingDossier)
            .join(
                ReportingTracking,
                (col(ReportingTracking.office) == col(ReportingDossier.office))
                & (col(ReportingTracking.dossier_id) == col(ReportingDossier.dossier_id)),
            )
            .where(
                ReportingTracking.tracking_code == code,
                col(ReportingTracking.office).in_(offices),
            )
        )
    ).first()
    if found is None:
        raise unknown
    office, dossier_id = found.office, found.dossier_id
    steps = await session.exec(
        select(ReportingStep)
        .where(ReportingStep.office == office, ReportingStep.dossier_id == dossier_id)
        .order_by(col(ReportingStep.seq))
    )
    attempts = await session.exec(
        select(ReportingAttempt)
        .where(ReportingAttempt.office == office, ReportingAttempt.dossier_id == dossier_id)
        .order_by(col(ReportingAttempt.attempt))
    )
    status = DossierStatus(found.status)
    returned = status in (DossierStatus.RETURNED, DossierStatus.RECEIVED_BACK)
    document_type = DocumentType(found.document_type)
    return TrackingPublic(
        tracking_code=shown_tracking_code(code),
        document_type=document_type,
        document_name=DOCUMENT_TYPE_NAMES[document_type],
        status=status,
        status_label=STATUS_LABELS[status],
        steps=[
            TrackingStepPublic(event=step.event, label=STEP_LABELS[step.event], **_at(step.at))
            for step in steps.all()
            if step.event in STEP_LABELS
        ],
        attempts=[
            TrackingAttemptPublic(
                attempt=attempt.attempt,
                reason=AttemptReason(attempt.reason),
                reason_label=REASON_LABELS[AttemptReason(attempt.reason)],
                **_at(attempt.at),
            )
            for attempt in attempts.all()
        ],
        collect=CollectionPublic(
            address=settings.office_address,
            hours=settings.office_hours,
            ready=status is DossierStatus.RECEIVED_BACK,
        )
        if returned
        else None,
    )


def _at(at: datetime) -> dict[str, str]:
    iso, text = _moment(at)
    return {"at": iso, "at_text": text}
