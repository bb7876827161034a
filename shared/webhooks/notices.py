"""What the office is told about its webhooks: an endpoint disabled (410 Gone, or failing
for days). Kept as a capped stream under the office's hash tag, for the screens and
`jasa webhooks list` to show until someone acts."""

from dataclasses import dataclass
from typing import cast

from redis.typing import EncodableT, FieldT

from shared.keys import Keys
from shared.redis_client import AsyncRedis
from shared.webhooks.endpoints import Endpoint

NOTICES_KEPT = 1000


@dataclass(frozen=True, slots=True)
class Notice:
    endpoint_id: str
    url: str
    reason: str
    at_ms: int


class Notices:
    def __init__(self, redis: AsyncRedis, keys: Keys) -> None:
        self.redis = redis
        self.stream = keys.scoped("webhooks:notices")

    async def endpoint_disabled(self, endpoint: Endpoint, reason: str, at_ms: int) -> None:
        fields: dict[FieldT, EncodableT] = {
            "endpoint_id": endpoint.id,
            "url": endpoint.url,
            "reason": reason,
            "at_ms": at_ms,
        }
        await self.redis.xadd(self.stream, fields, maxlen=NOTICES_KEPT, approximate=True)

    async def latest(self, limit: int = 50) -> list[Notice]:
        """The latest notices, newest first."""
        entries = cast(
            list[tuple[bytes, dict[bytes, bytes]]],
            await self.redis.xrevrange(self.stream, count=limit),
        )
        return [
            Notice(
                endpoint_id=fields[b"endpoint_id"].decode(),
                url=fields[b"url"].decode(),
                reason=fields[b"reason"].decode(),
                at_ms=int(fields[b"at_ms"]),
            )
            for _, fields in entries
        ]
