"""The port between the log and the personal data it seals (shared.privacy is the one
adapter): what the log asks of a sealer, which fields of which events, and the data keys a
command offers with its append."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from shared.events import Envelope, EventData


@dataclass(frozen=True, slots=True)
class NewKeys:
    """Data keys made for dossiers a command begins, offered with the append of what they
    sealed: kept only for dossiers that have none (see append.lua)."""

    store: str  # the key store that keeps them
    offers: list[str | bytes]  # dossier, wrapped key, dossier, wrapped key, ...


NO_NEW_KEYS = NewKeys("", [])

# Which personal fields of which events: all that are sealed, or the part a reader needs.
PersonalFields = Mapping[type[EventData], tuple[str, ...]]


class PersonalData(Protocol):
    """Seals personal data before it is appended, reveals it (or `[dihapus]`) when read."""

    async def seal(self, events: Iterable[Envelope]) -> list[Envelope]: ...

    def seal_new(self, events: Sequence[Envelope]) -> tuple[list[Envelope], NewKeys] | None: ...

    async def reveal_all(
        self, events: Sequence[Envelope], only: PersonalFields = ...
    ) -> list[Envelope]: ...
