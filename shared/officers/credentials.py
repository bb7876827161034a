"""Passwords, kept apart from the log: an argon2id hash per officer (pwdlib) in the office's
Redis hash `jasa:{<office>}:credentials`. Nothing here ever enters the log, and a password
is never kept, logged or returned; only its hash is.

Hashing and checking a password cost tens of milliseconds of CPU each: both run in a
worker thread, so a service's event loop goes on answering meanwhile."""

import asyncio
from functools import lru_cache

from pwdlib import PasswordHash

from shared.keys import Keys
from shared.redis_client import AsyncRedis

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256


class WeakPassword(ValueError):
    """A password refused before it is hashed; the message says what a good one is."""


@lru_cache(maxsize=1)
def hasher() -> PasswordHash:
    return PasswordHash.recommended()  # argon2id


@lru_cache(maxsize=1)
def _stand_in_hash() -> str:
    """The hash an unknown username is checked against: such a sign-in costs as much as a
    real one, so the time of the answer does not tell whether the username exists."""
    return hasher().hash("no officer has this password, it is never the right one")


def check_strength(password: str, *, username: str) -> str:
    if not password:
        raise WeakPassword("the password is empty")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise WeakPassword(f"a password has at most {MAX_PASSWORD_LENGTH} characters")
    if password.strip().lower() == username.strip().lower():
        raise WeakPassword("the password must not be the username")
    if len(set(password)) < 4:
        raise WeakPassword("the password repeats too few characters to be guessed hard")
    return password


class Credentials:
    """The password hashes of one office's officers."""

    def __init__(self, redis: AsyncRedis, keys: Keys) -> None:
        self.redis = redis
        self.key = keys.scoped("credentials")

    async def set_password(self, username: str, password: str) -> None:
        """Keep a new password's hash for `username` (the old one stops working at once)."""
        check_strength(password, username=username)
        hashed = await asyncio.to_thread(hasher().hash, password)
        await self.redis.hset(self.key, username, hashed)

    async def has_password(self, username: str) -> bool:
        return bool(await self.redis.hexists(self.key, username))

    async def verify(self, username: str, password: str) -> bool:
        """Whether `password` is `username`'s; as slow for an unknown username as a known
        one. A hash made with older parameters is made again with today's."""
        stored = await self.redis.hget(self.key, username)
        if stored is None or not password or len(password) > MAX_PASSWORD_LENGTH:
            await asyncio.to_thread(hasher().verify, password or "-", _stand_in_hash())
            return False
        text = stored.decode() if isinstance(stored, bytes) else str(stored)
        ok, renewed = await asyncio.to_thread(hasher().verify_and_update, password, text)
        if ok and renewed is not None:
            await self.redis.hset(self.key, username, renewed)
        return bool(ok)
