"""The log as the services of a test read it: personal data revealed with the installation's
key (JASA_PII_KEY, else the data dir's pii.key, as `service_env` sets them)."""

from redis.asyncio import Redis

from shared.log import EventLog
from shared.master_key import load_or_create_master_key
from shared.privacy import Privacy
from shared.settings import CommonSettings


def revealing(log: EventLog, redis: Redis) -> EventLog:
    key = load_or_create_master_key(CommonSettings())
    return EventLog(log.store, log.keys, Privacy(redis, log.keys, key))
