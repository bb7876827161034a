"""The office's last verification of its log, and who ran it: what the auditor's screen shows
and the API's check leaves behind. `jasa audit verify` checks without leaving a record."""

from datetime import UTC, datetime

import orjson

from services.reporting.config import Context
from services.reporting.queries import VerificationPublic
from services.reporting.sealing import Signing
from services.reporting.verification import verify
from shared.identity import Officer
from shared.keys import Keys
from shared.redis_client import AsyncRedis


class LastVerification:
    """The office's last verification and who ran it, for the audit screen: kept in Redis
    beside the log, so every reporting process shows the same one."""

    def __init__(self, redis: AsyncRedis, keys: Keys) -> None:
        self.redis, self.key = redis, keys.scoped("audit:last-verification")

    async def remember(self, result: VerificationPublic, by: str) -> None:
        record = {"result": result.model_dump(), "by": by, "at": datetime.now(UTC).isoformat()}
        await self.redis.set(self.key, orjson.dumps(record))

    async def recall(self) -> tuple[VerificationPublic, str, datetime] | None:
        raw = await self.redis.get(self.key)
        if raw is None:
            return None
        record = orjson.loads(raw)
        return (
            VerificationPublic.model_validate(record["result"]),
            record["by"],
            datetime.fromisoformat(record["at"]),
        )


async def verify_for(context: Context, signing: Signing, officer: Officer) -> VerificationPublic:
    """An officer's check of their office's log (the API's and the audit screen's), kept as
    the office's last verification."""
    result = await verify(
        context.log_for(officer.office),
        context.sessions,
        signing.sealer(officer.office).public_key,
        context.settings.checkpoint_every,
    )
    await LastVerification(context.redis, context.keys_for(officer.office)).remember(
        result, officer.name
    )
    return result
