"""Events of every type of the catalogue, built the same way every time, whose canonical bytes
were recorded in canonical_bytes.golden before the codec was rewritten. The audit chain hashes
these bytes in logs already written, so they may never change."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from uuid import UUID

from shared.events import (
    Actor,
    Delivered,
    DeliveryAttemptFailed,
    DocumentFlagged,
    DocumentRegistered,
    DossierCorrected,
    Envelope,
    EventData,
    FlagResolved,
    HandoverAccepted,
    LetterDrafted,
    LetterRejected,
    LetterSigned,
    LogArchived,
    OutForDelivery,
    PersonalDataErased,
    RecapCompiled,
    ReceiptCodeRefused,
    RejectionAddressed,
    Returned,
    ReturnReceived,
    decode_entry,
    encode_for_log,
    new_event,
    with_fields,
)
from shared.vocabulary import (
    AttemptReason,
    CorrectedField,
    DocumentType,
    FlagReason,
    Relationship,
    ReturnReason,
    Role,
)

GOLDEN = Path(__file__).with_name("canonical_bytes.golden")

WIB = timezone(timedelta(hours=7))
ON_THE_SECOND = datetime(2026, 11, 24, 1, 2, 3, tzinfo=UTC)
WITH_MICROSECONDS = datetime(2026, 11, 24, 1, 2, 3, 45, tzinfo=UTC)
IN_WIB = datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=WIB)

FO = Actor(officer_id="198001012005011001", name="Siti Rahma", role=Role.FO)
KASUBBAG = Actor(officer_id="197503032000031002", name="Dr. Öğün Ñañez", role=Role.KASUBBAG_UMUM)
SEKRETARIS = Actor(officer_id="sek-1", name="Ir. 李 小龍 🖋", role=Role.SEKRETARIS)
COURIER = Actor(officer_id="kurir\t7", name='Budi "Kilat" \\ Santoso', role=Role.COURIER)
AUDITOR = Actor(officer_id="", name="", role=Role.AUDITOR)

UNICODE = "Ṣẹ́gun \u2028 Nguyễn\n\u0000 \U0001f600 ﷽ \ud7ff"


def uuid_(n: int) -> UUID:
    return UUID(int=n * 0x0123_4567_89AB_CDEF_0123_4567_89AB_CDEF % 2**128)


def data_of_every_type() -> Iterator[tuple[str, EventData, Actor]]:
    dossier, letter, recap = uuid_(1), uuid_(2), uuid_(3)
    yield (
        "registered",
        DocumentRegistered(
            dossier_id=dossier,
            nik="1471014506900003",
            name="Rina Marlina",
            address="Jl. Sudirman No. 12, Pekanbaru",
            phone="+6281234567890",
            document_type=DocumentType.KTP_EL,
            document_number="KTP-0001",
        ),
        FO,
    )
    yield (
        "registered unicode",
        DocumentRegistered(
            dossier_id=uuid_(4),
            nik="",
            name=UNICODE,
            address='Gg. Mawar "7" / RT 01\\RW 02',
            phone="",
            document_type=DocumentType.AKTA,
            document_number="AKTA/2026/ü",
        ),
        FO,
    )
    yield (
        "flagged",
        DocumentFlagged(
            dossier_id=dossier, reason=FlagReason.UNSIGNED_DOCUMENT, note="belum ditandatangani"
        ),
        FO,
    )
    yield "flag resolved", FlagResolved(dossier_id=dossier, note=""), FO
    yield (
        "recap",
        RecapCompiled(
            recap_id=recap, document_type=DocumentType.KK, dossier_ids=(dossier, uuid_(5), uuid_(6))
        ),
        FO,
    )
    yield (
        "recap empty",
        RecapCompiled(recap_id=uuid_(7), document_type=DocumentType.KIA, dossier_ids=()),
        FO,
    )
    number = "001/PDIP/2026"
    yield "drafted", LetterDrafted(letter_id=letter, letter_number=number, recap_id=recap), KASUBBAG
    yield "signed", LetterSigned(letter_id=letter, letter_number=number, recap_id=recap), SEKRETARIS
    yield "rejected", LetterRejected(letter_id=letter, recap_id=recap, reason=UNICODE), SEKRETARIS
    yield (
        "handover",
        HandoverAccepted(letter_id=letter, recap_id=recap, dossier_ids=(dossier,)),
        COURIER,
    )
    yield (
        "delivered",
        Delivered(
            dossier_id=dossier,
            letter_id=letter,
            recipient_name="Andi 'Ucok' Siregar",
            relationship=Relationship.FAMILY,
            note="diterima adik",
        ),
        COURIER,
    )
    yield (
        "returned",
        Returned(
            dossier_id=dossier,
            letter_id=letter,
            reason=ReturnReason.ADDRESS_NOT_FOUND,
            note="",
        ),
        COURIER,
    )
    yield "return received", ReturnReceived(dossier_id=dossier, letter_id=letter), KASUBBAG
    yield "erased", PersonalDataErased(dossier_id=dossier), AUDITOR
    # Issue 28 (the last mile): cases added after the ones above, which keep their numbers.
    yield (
        "registered with tracking code",
        DocumentRegistered(
            dossier_id=dossier,
            nik="1471014506900003",
            name="Rina Marlina",
            address="Jl. Sudirman No. 12, Pekanbaru",
            phone="+6281234567890",
            document_type=DocumentType.KTP_EL,
            document_number="KTP-0001",
            tracking_code="K7MW3QXP9RHT",
        ),
        FO,
    )
    yield (
        "out for delivery",
        OutForDelivery(dossier_id=dossier, letter_id=letter, receipt_code="pii:v1:AAAA"),
        COURIER,
    )
    yield (
        "attempt failed",
        DeliveryAttemptFailed(
            dossier_id=dossier,
            letter_id=letter,
            attempt=1,
            reason=AttemptReason.RECIPIENT_NOT_HOME,
            note="rumah kosong",
        ),
        COURIER,
    )
    yield (
        "receipt code refused",
        ReceiptCodeRefused(dossier_id=dossier, letter_id=letter, wrong_tries=2),
        COURIER,
    )
    yield (
        "delivered with proof",
        Delivered(
            dossier_id=dossier,
            letter_id=letter,
            recipient_name="Andi",
            relationship=Relationship.FAMILY,
            note="",
            code_verified=True,
            photo_sha256="ab" * 32,
        ),
        COURIER,
    )

    # Added December 2026 (issue 25): new types are appended, so the cases above keep theirs.
    yield (
        "corrected",
        DossierCorrected(
            dossier_id=dossier,
            fields=(CorrectedField.NAME, CorrectedField.PHONE),
            name="Rina Marlina Siregar",
            phone="+6281234567891",
            note="nama belakang tertinggal",
        ),
        FO,
    )
    yield (
        "rejection addressed",
        RejectionAddressed(
            letter_id=uuid_(8),
            rejected_letter_id=letter,
            rejected_letter_number="001/PDIP/2026",
            recap_id=recap,
            fix=UNICODE,
        ),
        KASUBBAG,
    )

    # Issue 30 (the bounded log): appended, so the cases above keep their numbers.
    yield (
        "archived",
        LogArchived(up_to="1700000000012-3", events=1200, streams=301, digest="0f" * 32),
        AUDITOR,
    )


def golden_cases() -> Iterator[tuple[str, Envelope]]:
    """Each type twice (just made, and as the log holds it), and the odd moments."""
    for n, (name, data, actor) in enumerate(data_of_every_type(), start=1):
        made = new_event(
            data,
            stream_id=f"stream-{name}",
            actor=actor,
            office="1471",
            event_id=uuid_(100 + n),
            occurred_at=WITH_MICROSECONDS if n % 2 else ON_THE_SECOND,
        )
        yield f"{name}, just made", made
        stored = with_fields(made, version=n, causation_id=uuid_(200 + n))
        entry = {b"type": made.type.encode(), b"event": encode_for_log(stored)}
        yield f"{name}, as read", decode_entry(f"17000000000{n:02}-{n}", entry)
    registered = next(data_of_every_type())[1]
    yield (
        "time given in WIB",
        new_event(
            registered,
            stream_id="s",
            actor=FO,
            office="1471",
            event_id=uuid_(300),
            occurred_at=IN_WIB,
            correlation_id=uuid_(301),
            causation_id=uuid_(302),
        ),
    )
    yield (
        "time copied in WIB",
        with_fields(
            new_event(registered, stream_id="s", actor=FO, office="", event_id=uuid_(303)),
            occurred_at=IN_WIB,
            version=2**40,
            position="0-0",
        ),
    )
