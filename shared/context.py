"""The set of dependencies a service's use cases get, built once per process by its
composition root: settings, Redis, each office's log, the database, the keys.

Its own module, below both the app's assembly (`shared.service`) and the pages' site
(`shared.web`), which each take it: neither has to import the other to reach it."""

from dataclasses import dataclass, field
from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.blind_index import BlindIndex
from shared.consumer import EventConsumer
from shared.db import make_engine, session_factory
from shared.errors import Forbidden, ReadModelBehind
from shared.identity import Officer, load_or_create_secret, verify_token
from shared.keys import Keys
from shared.log import EventLog
from shared.master_key import load_or_create_master_key
from shared.privacy import Privacy
from shared.redis_client import AsyncRedis, RedisSetup, redis_setup
from shared.settings import ServiceSettings
from shared.stores.tiered import tiered_store
from shared.tiered_data_keys import tiered_data_keys

SettingsT = TypeVar("SettingsT", bound=ServiceSettings)


@dataclass
class ServiceContext(Generic[SettingsT]):
    """Everything a use case may need, built once per process by the composition root.

    An installation may serve several offices (JASA_OFFICES): each has its own log and keys
    (`log_for`, `keys_for`), and a use case always acts on the officer's office. `keys` and
    `log` are the default office's, for tools that act for the installation as a whole."""

    settings: SettingsT
    redis: AsyncRedis
    redis_setup: RedisSetup  # what every Redis client and broker of the service is made from
    keys: Keys
    log: EventLog
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    secret: str
    blind_index: BlindIndex  # keyed hashes of personal data: dossier ids, search
    logs: dict[str, EventLog] = field(default_factory=dict)
    # The key-encryption key (JASA_PII_KEY), for what is sealed beside the log's personal
    # data: the courier's webhook secrets and message bodies.
    master_key: bytes = b""
    archive: AsyncEngine | None = None  # the archive's database, where it is not `engine`
    consumers: dict[str, EventConsumer] = field(default_factory=dict)  # by office

    @property
    def office(self) -> str:
        """The default office: the one a command acts for when it names none."""
        return self.keys.office

    @property
    def offices(self) -> list[str]:
        return list(self.logs) or [self.office]

    def serves(self, office: str) -> bool:
        return office in self.offices

    def log_for(self, office: str) -> EventLog:
        """The log of one office this installation serves."""
        if office == self.office:
            return self.log
        log = self.logs.get(office)
        if log is None:
            raise Forbidden(f"this installation does not serve office {office}")
        return log

    def keys_for(self, office: str) -> Keys:
        return self.log_for(office).keys

    async def read_model_reached(self, office: str, position: str | None = None) -> None:
        """Return once this service's read model of `office` has applied `position` (None:
        every event the log holds now); ReadModelBehind after `read_wait_s`. Without a
        consumer there is no read model to wait for."""
        consumer = self.consumers.get(office)
        if consumer is None:
            return
        within_s = self.settings.read_wait_s
        wanted = position if position is not None else await consumer.progress.last_position()
        if wanted is not None and not await consumer.progress.wait_until_applied(wanted, within_s):
            raise ReadModelBehind(position, within_s)

    @property
    def token_secrets(self) -> list[str]:
        """The current secret first, then older ones still accepted during a rotation."""
        return [self.secret, *self.settings.previous_secret_list()]

    def officer(self, token: str) -> Officer:
        """The officer a token names: Unauthorized if it is not valid here, Forbidden if
        its office is not one this installation serves."""
        officer = verify_token(token, self.token_secrets)
        if not self.serves(officer.office):
            served = ", ".join(self.offices)
            raise Forbidden(f"this installation serves office {served}, not {officer.office}")
        return officer


def build_context(settings: SettingsT) -> ServiceContext[SettingsT]:
    """Clients and engines are lazy: building them opens no connection (only whether Redis
    is a cluster is asked of it, unless JASA_REDIS_CLUSTER says)."""
    secret = load_or_create_secret(settings)  # first: its refusal is the one to read
    master_key = load_or_create_master_key(settings)
    setup = redis_setup(settings)
    # The connection cap is ours to set: redis-py 8 caps a pool at 100 by default, and the
    # 101st command in flight at once is refused, which a service would answer 503. On a
    # cluster it is each node's cap.
    redis = setup.client(health_check_interval=10, max_connections=settings.redis_connections)
    engine = make_engine(settings.resolved_database_url())
    archive_url = settings.resolved_archive_url()
    shared_engine = archive_url == settings.resolved_database_url()
    archive = engine if shared_engine else make_engine(archive_url)
    logs = {}
    for office in settings.served_offices():
        # Each office's personal data keys live in its own key store, under its hash tag.
        keys = Keys(office, settings.key_prefix)
        store = tiered_store(redis, keys, archive, setup.acks)
        privacy = Privacy(tiered_data_keys(redis, keys, archive), keys, master_key)
        logs[office] = EventLog(store, keys, privacy)
    log = logs[settings.default_office()]
    return ServiceContext(
        settings=settings,
        redis=redis,
        redis_setup=setup,
        keys=log.keys,
        log=log,
        engine=engine,
        sessions=session_factory(engine),
        secret=secret,
        blind_index=BlindIndex.from_master_key(master_key),
        logs=logs,
        master_key=master_key,
        archive=None if shared_engine else archive,
    )
