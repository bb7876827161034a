"""Personal data in the log, encrypted and erasable (crypto-shredding).

The personal fields of DocumentRegistered (NIK, name, address, phone) are stored in the log
encrypted with AES-GCM under a data key of their own dossier. Data keys live apart from the
log, in the office's key store (`jasa:{<office>}:pii-keys`), each wrapped by the
installation's key-encryption key (JASA_PII_KEY, or a key generated into the data dir).
Erasing a dossier's data key makes its personal data unreadable wherever it came from the
log, while the log itself — and so the audit chain over it — stays untouched.

A field is sealed as `pii:v1:<base64(nonce || ciphertext)>`, bound by its associated data
to its dossier and field name, so a ciphertext cannot be moved to another record."""

import base64
import os
import secrets
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from redis.asyncio import Redis

from shared.events import DocumentRegistered, Envelope
from shared.keys import Keys
from shared.settings import CommonSettings

PERSONAL_FIELDS = ("nik", "name", "address", "phone")
SEALED_PREFIX = "pii:v1:"
ERASED = "[dihapus]"  # what an erased field reads as, everywhere


class InsecureKey(RuntimeError):
    pass


def load_or_create_master_key(settings: CommonSettings) -> bytes:
    """The key-encryption key: JASA_PII_KEY (base64 of 32 bytes), else one generated into the
    data dir on first run (refused in production, like a generated token secret)."""
    given = os.environ.get("JASA_PII_KEY", "")
    if given:
        key = base64.b64decode(given)
        if len(key) != 32:
            raise InsecureKey("JASA_PII_KEY must be the base64 of 32 random bytes")
        return key
    if settings.env == "production":
        raise InsecureKey("JASA_ENV=production needs JASA_PII_KEY; none was given")
    path = Path(settings.data_dir) / "pii.key"
    if path.exists():
        return base64.b64decode(path.read_text().strip())
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    path.touch(mode=0o600)
    path.write_text(base64.b64encode(key).decode())
    return key


def is_sealed(value: str) -> bool:
    return value.startswith(SEALED_PREFIX)


class Privacy:
    def __init__(self, redis: Redis, keys: Keys, master_key: bytes) -> None:
        self.redis = redis
        self.store = keys.scoped("pii-keys")
        self._master = AESGCM(master_key)

    async def _data_key(self, dossier_id: UUID, create: bool) -> bytes | None:
        field = str(dossier_id)
        wrapped = await self.redis.hget(self.store, field)
        if wrapped is None and create:
            fresh = secrets.token_bytes(32)
            nonce = secrets.token_bytes(12)
            candidate = nonce + self._master.encrypt(nonce, fresh, field.encode())
            await self.redis.hsetnx(self.store, field, base64.b64encode(candidate))
            wrapped = await self.redis.hget(self.store, field)  # whoever won the race
        if wrapped is None:
            return None
        raw = base64.b64decode(wrapped)
        return self._master.decrypt(raw[:12], raw[12:], field.encode())

    async def seal(self, events: Iterable[Envelope]) -> list[Envelope]:
        """Encrypt the personal fields of the events that carry them (before appending)."""
        sealed = []
        for event in events:
            data = event.data
            if isinstance(data, DocumentRegistered) and not is_sealed(data.nik):
                key = await self._data_key(data.dossier_id, create=True)
                assert key is not None
                cipher = AESGCM(key)
                update = {
                    name: _seal(cipher, data.dossier_id, name, getattr(data, name))
                    for name in PERSONAL_FIELDS
                }
                event = event.model_copy(update={"data": data.model_copy(update=update)})
            sealed.append(event)
        return sealed

    async def reveal(self, event: Envelope) -> Envelope:
        """The event with its personal fields readable, or `[dihapus]` once erased."""
        data = event.data
        if not isinstance(data, DocumentRegistered) or not is_sealed(data.nik):
            return event
        key = await self._data_key(data.dossier_id, create=False)
        update: dict[str, Any]
        if key is None:
            update = dict.fromkeys(PERSONAL_FIELDS, ERASED)
        else:
            cipher = AESGCM(key)
            update = {
                name: _open(cipher, data.dossier_id, name, getattr(data, name))
                for name in PERSONAL_FIELDS
            }
        return event.model_copy(update={"data": data.model_copy(update=update)})

    async def erase(self, dossier_id: UUID) -> bool:
        """Destroy the dossier's data key. True if there was one to destroy."""
        return bool(await self.redis.hdel(self.store, str(dossier_id)))

    async def is_erased(self, dossier_id: UUID) -> bool:
        return not await self.redis.hexists(self.store, str(dossier_id))


def _seal(cipher: AESGCM, dossier_id: UUID, field: str, value: str) -> str:
    nonce = secrets.token_bytes(12)
    sealed = nonce + cipher.encrypt(nonce, value.encode(), f"{dossier_id}:{field}".encode())
    return SEALED_PREFIX + base64.b64encode(sealed).decode()


def _open(cipher: AESGCM, dossier_id: UUID, field: str, value: str) -> str:
    raw = base64.b64decode(value[len(SEALED_PREFIX) :])
    try:
        return cipher.decrypt(raw[:12], raw[12:], f"{dossier_id}:{field}".encode()).decode()
    except InvalidTag as error:
        raise ValueError(f"the sealed {field} of dossier {dossier_id} was tampered with") from error
