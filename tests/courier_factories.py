"""What intake and approval append before the courier has anything to do, built the way
those services build it: registered documents, a recap, a drafted and a signed letter."""

import uuid
from dataclasses import dataclass, field

from shared.events import (
    Actor,
    Envelope,
    LetterDrafted,
    LetterRejected,
    LetterSigned,
    RecapCompiled,
    new_event,
)
from shared.log import EventLog
from shared.vocabulary import DocumentType, Role
from tests.factories import FO, registered

KASUBBAG = Actor(officer_id="197502022000031002", name="Budi Santoso", role=Role.KASUBBAG_UMUM)
SEKRETARIS = Actor(officer_id="196803031990032003", name="Dewi Lestari", role=Role.SEKRETARIS)
NIKS = ["1471014506900003", "1471020101850001", "1471035210920002"]


def recap_compiled(recap_id: uuid.UUID, dossier_ids: list[uuid.UUID]) -> Envelope:
    data = RecapCompiled(
        recap_id=recap_id, document_type=DocumentType.KTP_EL, dossier_ids=tuple(dossier_ids)
    )
    return new_event(data, stream_id=f"recap-{recap_id}", actor=FO, office="1471")


def letter_drafted(letter_id: uuid.UUID, number: str, recap_id: uuid.UUID) -> Envelope:
    data = LetterDrafted(letter_id=letter_id, letter_number=number, recap_id=recap_id)
    return new_event(data, stream_id=f"letter-{letter_id}", actor=KASUBBAG, office="1471")


def letter_signed(letter_id: uuid.UUID, number: str, recap_id: uuid.UUID) -> Envelope:
    data = LetterSigned(letter_id=letter_id, letter_number=number, recap_id=recap_id)
    return new_event(data, stream_id=f"letter-{letter_id}", actor=SEKRETARIS, office="1471")


def letter_rejected(letter_id: uuid.UUID, recap_id: uuid.UUID) -> Envelope:
    data = LetterRejected(letter_id=letter_id, recap_id=recap_id, reason="nomor salah")
    return new_event(data, stream_id=f"letter-{letter_id}", actor=SEKRETARIS, office="1471")


@dataclass
class Handover:
    """One recap of registered documents and its cover letter, as the log holds them."""

    documents: int = 2
    letter_number: str = field(
        default_factory=lambda: f"470/Dukcapil-PDIP/{uuid.uuid4().hex[:4]}/2026"
    )
    dossier_ids: list[uuid.UUID] = field(default_factory=list)
    recap_id: uuid.UUID = field(default_factory=uuid.uuid4)
    letter_id: uuid.UUID = field(default_factory=uuid.uuid4)

    def __post_init__(self) -> None:
        self.dossier_ids = self.dossier_ids or [uuid.uuid4() for _ in range(self.documents)]

    def registrations(self) -> list[Envelope]:
        return [
            # A KTP-el's number is its holder's NIK.
            registered(
                dossier_id,
                nik=NIKS[n % len(NIKS)],
                document_number=NIKS[n % len(NIKS)],
                name=f"Warga {n}",
            )
            for n, dossier_id in enumerate(self.dossier_ids)
        ]

    def signed(self) -> Envelope:
        return letter_signed(self.letter_id, self.letter_number, self.recap_id)

    async def draft(self, log: EventLog) -> None:
        """Register the documents, compile the recap and draft its letter (not signed)."""
        for event in self.registrations():
            await log.append(event.stream_id, [event], expected_version=0)
        recap = recap_compiled(self.recap_id, self.dossier_ids)
        await log.append(recap.stream_id, [recap], expected_version=0)
        drafted = letter_drafted(self.letter_id, self.letter_number, self.recap_id)
        await log.append(drafted.stream_id, [drafted], expected_version=0)

    async def sign(self, log: EventLog) -> None:
        signed = self.signed()
        await log.append(signed.stream_id, [signed], expected_version=1)

    async def draft_and_sign(self, log: EventLog) -> "Handover":
        await self.draft(log)
        await self.sign(log)
        return self
