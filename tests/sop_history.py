"""SOP histories for the reporting tests: each step appended to the log as the service
that owns it would append it (intake, approval, courier), at a time the test chooses."""

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from shared.events import (
    Actor,
    Delivered,
    DeliveryAttemptFailed,
    DocumentFlagged,
    DocumentRegistered,
    Envelope,
    EventData,
    FlagResolved,
    HandoverAccepted,
    LetterDrafted,
    LetterRejected,
    LetterSigned,
    OutForDelivery,
    PersonalDataErased,
    RecapCompiled,
    RejectionAddressed,
    Returned,
    ReturnReceived,
    new_event,
)
from shared.log import EventLog
from shared.vocabulary import (
    AttemptReason,
    DocumentType,
    FlagReason,
    Relationship,
    ReturnReason,
    Role,
)

FO = Actor(officer_id="198001012005011001", name="Siti Rahma", role=Role.FO)
KASUBBAG = Actor(officer_id="197505052000031002", name="Hendra Saputra", role=Role.KASUBBAG_UMUM)
SEKRETARIS = Actor(officer_id="197002021995032003", name="Dewi Lestari", role=Role.SEKRETARIS)
COURIER = Actor(officer_id="kurir-07", name="Andi Kurir", role=Role.COURIER)
NIK = "1471014506900003"


@dataclass
class Office:
    """Appends SOP steps to the log; `clock` moves `tick` forward after each one."""

    log: EventLog
    clock: datetime = field(default_factory=lambda: datetime(2026, 11, 24, 1, 0, tzinfo=UTC))
    tick: timedelta = timedelta(seconds=30)
    recaps: dict[uuid.UUID, tuple[uuid.UUID, ...]] = field(default_factory=dict)
    letters: dict[uuid.UUID, uuid.UUID] = field(default_factory=dict)  # letter -> recap
    appended: list[Envelope] = field(default_factory=list)

    async def _append(
        self, stream_id: str, data: EventData, actor: Actor, at: datetime | None
    ) -> Envelope:
        moment = at or self.clock
        self.clock = moment + self.tick
        event = new_event(data, stream_id=stream_id, actor=actor, office="1471", occurred_at=moment)
        version = await self.log.version(stream_id)
        [stored] = await self.log.append(stream_id, [event], expected_version=version)
        self.appended.append(stored)
        return stored

    async def register(
        self,
        document_type: DocumentType = DocumentType.KTP_EL,
        at: datetime | None = None,
        name: str = "Rina Marlina",
        actor: Actor = FO,
        tracking_code: str | None = None,
    ) -> uuid.UUID:
        dossier_id = uuid.uuid4()
        data = DocumentRegistered(
            dossier_id=dossier_id,
            nik=NIK,
            name=name,
            address="Jl. Sudirman No. 12, Pekanbaru",
            phone="+6281234567890",
            document_type=document_type,
            # A KTP-el's or KIA's number is its holder's NIK.
            document_number=NIK
            if document_type in (DocumentType.KTP_EL, DocumentType.KIA)
            else f"{document_type.value}-{dossier_id.hex[:8]}",
            tracking_code=tracking_code,
        )
        await self._append(f"dossier-{dossier_id}", data, actor, at)
        return dossier_id

    async def flag(self, dossier_id: uuid.UUID, at: datetime | None = None) -> None:
        data = DocumentFlagged(
            dossier_id=dossier_id, reason=FlagReason.DATA_ENTRY_ERROR, note="nama tidak sesuai"
        )
        await self._append(f"dossier-{dossier_id}", data, FO, at)

    async def resolve(self, dossier_id: uuid.UUID, at: datetime | None = None) -> None:
        data = FlagResolved(dossier_id=dossier_id, note="sudah diperbaiki")
        await self._append(f"dossier-{dossier_id}", data, FO, at)

    async def recap(
        self,
        dossier_ids: list[uuid.UUID],
        document_type: DocumentType = DocumentType.KTP_EL,
        at: datetime | None = None,
    ) -> uuid.UUID:
        recap_id = uuid.uuid4()
        data = RecapCompiled(
            recap_id=recap_id, document_type=document_type, dossier_ids=tuple(dossier_ids)
        )
        await self._append(f"recap-{recap_id}", data, FO, at)
        self.recaps[recap_id] = tuple(dossier_ids)
        return recap_id

    async def draft(self, recap_id: uuid.UUID, at: datetime | None = None) -> uuid.UUID:
        letter_id = uuid.uuid4()
        number = f"470/Dukcapil-PDIP/{len(self.letters) + 1:04d}/2026"
        data = LetterDrafted(letter_id=letter_id, letter_number=number, recap_id=recap_id)
        await self._append(f"letter-{letter_id}", data, KASUBBAG, at)
        self.letters[letter_id] = recap_id
        return letter_id

    async def sign(self, letter_id: uuid.UUID, at: datetime | None = None) -> None:
        number = f"470/Dukcapil-PDIP/{list(self.letters).index(letter_id) + 1:04d}/2026"
        data = LetterSigned(
            letter_id=letter_id, letter_number=number, recap_id=self.letters[letter_id]
        )
        await self._append(f"letter-{letter_id}", data, SEKRETARIS, at)

    async def reject(self, letter_id: uuid.UUID, at: datetime | None = None) -> None:
        data = LetterRejected(
            letter_id=letter_id, recap_id=self.letters[letter_id], reason="nomor salah"
        )
        await self._append(f"letter-{letter_id}", data, SEKRETARIS, at)

    async def redraft(self, rejected: uuid.UUID, fix: str) -> uuid.UUID:
        """A letter drafted again after `rejected` was, saying what it fixed."""
        letter_id = await self.draft(self.letters[rejected])
        number = f"470/Dukcapil-PDIP/{list(self.letters).index(rejected) + 1:04d}/2026"
        data = RejectionAddressed(
            letter_id=letter_id,
            rejected_letter_id=rejected,
            rejected_letter_number=number,
            recap_id=self.letters[rejected],
            fix=fix,
        )
        await self._append(f"letter-{letter_id}", data, KASUBBAG, None)
        return letter_id

    async def accept(self, letter_id: uuid.UUID, at: datetime | None = None) -> None:
        recap_id = self.letters[letter_id]
        data = HandoverAccepted(
            letter_id=letter_id, recap_id=recap_id, dossier_ids=self.recaps[recap_id]
        )
        await self._append(f"handover-{letter_id}", data, COURIER, at)

    async def deliver(
        self, dossier_id: uuid.UUID, letter_id: uuid.UUID, at: datetime | None = None
    ) -> None:
        data = Delivered(
            dossier_id=dossier_id,
            letter_id=letter_id,
            recipient_name="Rina Marlina",
            relationship=Relationship.SELF,
            note="",
        )
        await self._append(f"delivery-{dossier_id}", data, COURIER, at)

    async def out_for_delivery(
        self, dossier_id: uuid.UUID, letter_id: uuid.UUID, at: datetime | None = None
    ) -> None:
        data = OutForDelivery(dossier_id=dossier_id, letter_id=letter_id, receipt_code="482913")
        await self._append(f"delivery-{dossier_id}", data, COURIER, at)

    async def attempt(
        self,
        dossier_id: uuid.UUID,
        letter_id: uuid.UUID,
        attempt: int,
        reason: AttemptReason = AttemptReason.RECIPIENT_NOT_HOME,
        at: datetime | None = None,
    ) -> None:
        data = DeliveryAttemptFailed(
            dossier_id=dossier_id, letter_id=letter_id, attempt=attempt, reason=reason, note=""
        )
        await self._append(f"delivery-{dossier_id}", data, COURIER, at)

    async def return_(
        self,
        dossier_id: uuid.UUID,
        letter_id: uuid.UUID,
        reason: ReturnReason = ReturnReason.ADDRESS_NOT_FOUND,
        at: datetime | None = None,
    ) -> None:
        data = Returned(
            dossier_id=dossier_id, letter_id=letter_id, reason=reason, note="rumah kosong"
        )
        await self._append(f"delivery-{dossier_id}", data, COURIER, at)

    async def receive_back(
        self, dossier_id: uuid.UUID, letter_id: uuid.UUID, at: datetime | None = None
    ) -> None:
        data = ReturnReceived(dossier_id=dossier_id, letter_id=letter_id)
        await self._append(f"delivery-{dossier_id}", data, KASUBBAG, at)

    async def erase(self, dossier_id: uuid.UUID, at: datetime | None = None) -> None:
        """What `jasa privacy erase` appends once the dossier's data key is destroyed."""
        data = PersonalDataErased(dossier_id=dossier_id)
        await self._append(f"dossier-{dossier_id}", data, KASUBBAG, at)
