"""The port between the log and the personal data it seals (shared.privacy is the one
adapter): what the log's mapper asks of a sealer, and which fields of which events."""

from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol
from uuid import UUID

from shared.events import Envelope, EventData

# Which personal fields of which events: all that are sealed, or the part a reader needs.
PersonalFields = Mapping[type[EventData], tuple[str, ...]]


class PersonalData(Protocol):
    """Seals personal data before it is appended (making a new dossier's data key as it
    goes), reveals it (or `[dihapus]`) when read."""

    async def seal(self, events: Iterable[Envelope]) -> list[Envelope]: ...

    async def reveal_all(
        self, events: Sequence[Envelope], only: PersonalFields = ...
    ) -> list[Envelope]: ...

    async def seal_bytes(self, dossier_id: UUID, purpose: str, data: bytes) -> bytes | None: ...

    async def open_bytes(self, dossier_id: UUID, purpose: str, sealed: bytes) -> bytes | None: ...
