"""One office's webhooks as a whole: its endpoints, its outbox and its notices, sealed under
the installation's key. The service, its screens and the command line build it alike."""

from dataclasses import dataclass

from shared.keys import Keys
from shared.redis_client import AsyncRedis
from shared.webhooks.endpoints import Endpoints
from shared.webhooks.notices import Notices
from shared.webhooks.outbox import Outbox
from shared.webhooks.sealing import Sealer


@dataclass(frozen=True, slots=True)
class OfficeWebhooks:
    endpoints: Endpoints
    outbox: Outbox
    notices: Notices

    @classmethod
    def of(cls, redis: AsyncRedis, keys: Keys, master_key: bytes) -> "OfficeWebhooks":
        sealer = Sealer(master_key)
        return cls(
            Endpoints(redis, keys, sealer), Outbox(redis, keys, sealer), Notices(redis, keys)
        )
