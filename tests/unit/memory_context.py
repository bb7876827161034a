"""The command services of an installation composed on memory, for the handlers' unit tests.

Each service gets its own `Context`, as `shared.context.build_context` makes it, but with
each office's log an `EventLog` over an `InMemoryEventStore`, personal data sealed by the
real `Privacy` with its data keys in memory, and its read model a real SQLite database in a
file of its own. The services of one office share its one log, as they share its stream
on Redis. Nothing talks to Redis: the contexts' client points at a port where nothing
listens, so a handler that reached for Redis would fail rather than pass by accident.

No consumer runs: `follow` applies what the log holds to every read model, through each
service's own projection, as its consumer would (revealed, each position once)."""

import asyncio
import contextlib
import secrets
import shutil
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

from redis.asyncio import Redis

from services.approval import consumers as approval_consumers
from services.approval.commands import draft_letter_for_recap, sign
from services.approval.config import ApprovalSettings
from services.approval.config import Context as ApprovalContext
from services.approval.domain import Letter
from services.courier.commands import accept_handover
from services.courier.config import Context as CourierContext
from services.courier.config import CourierSettings
from services.courier.consumers import CONSUMED as COURIER_CONSUMED
from services.courier.photo_stores import photo_store
from services.courier.photos import PhotoStore
from services.courier.projections import PROJECTION as COURIER_PROJECTION
from services.courier.projections import apply_event as apply_to_courier
from services.intake import consumers as intake_consumers
from services.intake.commands import compile_recap, register_document
from services.intake.config import Context as IntakeContext
from services.intake.config import IntakeSettings
from services.intake.domain import Registration, RegistryEntry, dossier_slot
from services.intake.registry import load_registry
from shared.blind_index import BlindIndex
from shared.claims import claim_position, projection_of
from shared.context import ServiceContext
from shared.data_keys import InMemoryDataKeys
from shared.db import create_tables, make_engine, session_factory
from shared.duties import DutyRule
from shared.events import Envelope, RecapCompiled
from shared.identity import Officer
from shared.keys import Keys
from shared.log import EventLog
from shared.privacy import Privacy
from shared.redis_client import RedisSetup
from shared.settings import ServiceSettings
from shared.stores.memory import InMemoryEventStore
from shared.vocabulary import DocumentType, Role

S = TypeVar("S", bound=ServiceSettings)

# One installation key for every test: dossier ids are keyed by it (`dossier_of`).
MASTER_KEY = secrets.token_bytes(32)
BLIND_INDEX = BlindIndex.from_master_key(MASTER_KEY)
OFFICE = "1471"  # Pekanbaru
OTHER_OFFICE = "1401"  # another office the same installation serves
NOWHERE = "redis://127.0.0.1:1/0"  # no Redis listens there
SECRET = "memory-context-secret-not-for-production-0123456789"

FO = Officer("198001012005011001", "Siti Rahma", Role.FO, OFFICE)
OTHER_FO = Officer("198502022010012002", "Yusuf Hamdani", Role.FO, OFFICE)
KASUBBAG = Officer("197503102000031002", "Budi Santoso", Role.KASUBBAG_UMUM, OFFICE)
OTHER_KASUBBAG = Officer("197901012003121003", "Rahmat Hidayat", Role.KASUBBAG_UMUM, OFFICE)
SEKRETARIS = Officer("196812121990032001", "Dra. Hj. Nurhayati", Role.SEKRETARIS, OFFICE)
COURIER = Officer("kurir-07", "Andi Kurir", Role.COURIER, OFFICE)
FO_ELSEWHERE = Officer("199001012015011004", "Maya Sari", Role.FO, OTHER_OFFICE)
KASUBBAG_ELSEWHERE = Officer("198001012006041005", "Hendra", Role.KASUBBAG_UMUM, OTHER_OFFICE)
SEKRETARIS_ELSEWHERE = Officer("197001011995032006", "Lina", Role.SEKRETARIS, OTHER_OFFICE)
COURIER_ELSEWHERE = Officer("kurir-99", "Bayu Kurir", Role.COURIER, OTHER_OFFICE)


@dataclass
class MemoryInstallation:
    """One installation serving two offices: each office's log in memory, each service's
    context, and the stores themselves, for tests that look at what was stored."""

    stores: dict[str, InMemoryEventStore]
    intake: IntakeContext
    approval: ApprovalContext
    courier: CourierContext
    photos: PhotoStore  # the courier's, a folder under the data dir
    followed: dict[str, str] = field(default_factory=dict)  # office -> last position applied

    def log(self, office: str = OFFICE) -> EventLog:
        return self.intake.log_for(office)

    async def events(self, office: str = OFFICE, after: str = "0-0") -> list[Envelope]:
        """The events of an office's log (after a position), in log order, revealed."""
        log = self.log(office)
        return await log.reveal_all(await log.read(after, limit=100_000))

    async def load_registry(self, *entries: RegistryEntry, office: str = OFFICE) -> None:
        await load_registry(self.intake.engine, list(entries), office=office)

    async def follow(self) -> None:
        """Every read model applies what every office's log holds, as its consumer would:
        a page of what it has not seen yet."""
        for office in self.stores:
            events = await self.events(office, after=self.followed.get(office, "0-0"))
            if not events:
                continue
            await intake_consumers.projection(self.intake).apply_page(events)
            await approval_consumers.projection(self.approval).apply_page(events)
            await _apply_to_courier(self.courier, events)
            self.followed[office] = str(events[-1].position)


async def _apply_to_courier(context: CourierContext, events: Sequence[Envelope]) -> None:
    """The courier's consumer applies each event once; its feed to the third party lives on
    Redis and is not part of these tests."""
    async with context.sessions() as session, session.begin():
        for event in events:
            if not isinstance(event.data, COURIER_CONSUMED):
                continue
            claimed = projection_of(COURIER_PROJECTION, event.office)
            if await claim_position(session, claimed, event.position or ""):
                await apply_to_courier(session, event)


def _settings(cls: type[S], data_dir: Path, relaxed: Sequence[DutyRule]) -> S:
    """The service's settings; its database named here, so that a DATABASE_URL in the
    environment of whoever runs the tests is never written to."""
    service = cls.model_fields["service"].default
    return cls(
        redis_url=NOWHERE,
        secret=SECRET,
        data_dir=data_dir,
        database_url=f"sqlite+aiosqlite:///{data_dir / service}.db",
        office=OFFICE,
        offices=f"{OFFICE},{OTHER_OFFICE}",
        relaxed_duties={OFFICE: frozenset(relaxed)} if relaxed else {},
    )


def _context(
    settings: S, logs: dict[str, EventLog], empty: Path, redis: Redis, master_key: bytes
) -> ServiceContext[S]:
    """The service's context on the offices' logs, its database a copy of `empty`."""
    shutil.copyfile(empty, settings.data_dir / f"{settings.service}.db")
    engine = make_engine(settings.resolved_database_url())
    log = logs[settings.default_office()]
    return ServiceContext(
        settings=settings,
        redis=redis,
        keys=log.keys,
        log=log,
        engine=engine,
        sessions=session_factory(engine),
        secret=SECRET,
        blind_index=BlindIndex.from_master_key(master_key),
        redis_setup=RedisSetup(NOWHERE, cluster=False),
        logs=logs,
    )


def empty_database(directory: Path) -> Path:
    """An SQLite file with every table and index of the read models and no row, made once
    for a test session: each service's database starts as a copy of it, which takes a
    fraction of the time that making the tables does."""
    path = directory / "empty.db"

    async def make() -> None:
        engine = make_engine(f"sqlite:///{path}", scratch=True)  # no journal beside the file
        await create_tables(engine)
        await engine.dispose()

    asyncio.run(make())
    return path


@contextlib.asynccontextmanager
async def installation_on_memory(
    data_dir: Path, empty: Path, relaxed: Sequence[DutyRule] = ()
) -> AsyncIterator[MemoryInstallation]:
    """`empty`: the empty database each service's starts as (`empty_database`); `relaxed`:
    the separation-of-duties rules office 1471 relaxes (none by default)."""
    master_key = MASTER_KEY
    stores = {office: InMemoryEventStore() for office in (OFFICE, OTHER_OFFICE)}
    logs = {}
    for office, store in stores.items():
        keys = Keys(office)
        logs[office] = EventLog(store, keys, Privacy(InMemoryDataKeys(), keys, master_key))
    nowhere = Redis.from_url(NOWHERE)  # lazy: building it connects to nothing
    intake = _context(
        _settings(IntakeSettings, data_dir, relaxed), logs, empty, nowhere, master_key
    )
    approval = _context(
        _settings(ApprovalSettings, data_dir, relaxed), logs, empty, nowhere, master_key
    )
    courier = _context(
        _settings(CourierSettings, data_dir, relaxed), logs, empty, nowhere, master_key
    )
    try:
        yield MemoryInstallation(stores, intake, approval, courier, photo_store(courier.settings))
    finally:
        for context in (intake, approval, courier):
            await context.engine.dispose()
        await nowhere.aclose()


def ktp(number: str, *, signed: bool = True, name: str = "Rina Marlina") -> RegistryEntry:
    """A KTP-el in the population registry: its number is its holder's NIK."""
    return RegistryEntry(DocumentType.KTP_EL, number, number, name, signed)


def kk(number: str, nik: str, *, signed: bool = True, name: str = "Ahmad Fauzi") -> RegistryEntry:
    return RegistryEntry(DocumentType.KK, number, nik, name, signed)


# --- a file's way through the office, by the handlers themselves -------------------------

ADDRESS = "Jl. Sudirman No. 12, Pekanbaru"
PHONE = "+6281234567890"


def registration(entry: RegistryEntry, **overrides: Any) -> Registration:
    """What the FO types in for a document of the registry (validated, as the API gives it)."""
    typed = {
        "nik": entry.nik,
        "name": entry.name,
        "address": ADDRESS,
        "phone": PHONE,
        "document_type": entry.document_type,
        "document_number": entry.document_number,
        **overrides,
    }
    return Registration(**typed)


async def registered(office: MemoryInstallation, *entries: RegistryEntry) -> list[UUID]:
    """The documents in the registry and registered by the FO; their dossier ids."""
    await office.load_registry(*entries)
    ids = []
    for entry in entries:
        first, *_ = await register_document(office.intake, FO, registration(entry))
        ids.append(first.data.dossier_id)  # type: ignore[attr-defined]
    await office.follow()
    return ids


async def recapped(office: MemoryInstallation, *entries: RegistryEntry) -> Envelope:
    """The documents registered and compiled into one recap list (its RecapCompiled)."""
    await registered(office, *entries)
    recap = await compile_recap(office.intake, FO, entries[0].document_type)
    await office.follow()
    return recap


async def drafted(office: MemoryInstallation, *entries: RegistryEntry) -> Letter:
    """A cover letter drafted for the recap of the documents, awaiting signature."""
    recap = await recapped(office, *entries)
    letter = await draft_letter_for_recap(office.approval, KASUBBAG, recap_id_of(recap))
    await office.follow()
    return letter.result


async def signed(office: MemoryInstallation, *entries: RegistryEntry) -> Letter:
    """The letter of the documents' recap, drafted and signed: ready for the courier."""
    letter = await drafted(office, *entries)
    await sign(office.approval, SEKRETARIS, letter.letter_id)
    await office.follow()
    return letter


async def handed_over(office: MemoryInstallation, *entries: RegistryEntry) -> UUID:
    """The documents with the courier, their handover accepted; the letter's id."""
    letter = await signed(office, *entries)
    await accept_handover(office.courier, COURIER, letter.letter_id)
    await office.follow()
    return letter.letter_id


def recap_id_of(recap: Envelope) -> UUID:
    assert isinstance(recap.data, RecapCompiled)
    return recap.data.recap_id


def dossier_of(entry: RegistryEntry, n: int = 1) -> UUID:
    """The id of the n-th dossier opened for a document in office 1471."""
    return dossier_slot(BLIND_INDEX, OFFICE, entry.document_type, entry.document_number, n)
