"""Personal data in the log, encrypted and erasable (crypto-shredding).

The personal fields of DocumentRegistered (NIK, name, address, phone), and the recipient's
name of Delivered, are stored in the log encrypted with AES-GCM under a data key of their
own dossier. Data keys live apart from the log, in the office's key store
(`jasa:{<office>}:pii-keys`), each wrapped by the installation's key-encryption key
(JASA_PII_KEY, or a key generated into the data dir).
Erasing a dossier's data key makes its personal data unreadable wherever it came from the
log, while the log itself — and so the audit chain over it — stays untouched.

A field is sealed as `pii:v1:<base64(nonce || ciphertext)>`, bound by its associated data
to its dossier and field name, so a ciphertext cannot be moved to another record."""

import base64
import secrets
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from redis.asyncio import Redis

from shared.events import Delivered, DocumentRegistered, Envelope, EventData
from shared.keys import Keys
from shared.secret_files import read_or_create
from shared.settings import CommonSettings

PERSONAL_FIELDS = ("nik", "name", "address", "phone")
# The person's own data, per event type: the applicant's, and the name of whoever received
# the document (the applicant themself when delivered to SELF). All under the dossier's key.
SEALED_FIELDS: dict[type[EventData], tuple[str, ...]] = {
    DocumentRegistered: PERSONAL_FIELDS,
    Delivered: ("recipient_name",),
}
SEALED_PREFIX = "pii:v1:"
ERASED = "[dihapus]"  # what an erased field reads as, everywhere
KEY_FILE = "pii.key"
# What an erased dossier's entry in the key store holds instead of its data key, so that no
# new key can ever be made for it (a retried append after erasure seals nothing readable).
TOMBSTONE = b"erased"

# Replace the dossier's data key by the tombstone; 1 if a key was there to destroy.
_ERASE_SCRIPT = """
local current = redis.call('HGET', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
if current and current ~= ARGV[2] then return 1 end
return 0
"""


class InsecureKey(RuntimeError):
    pass


class WrongMasterKey(RuntimeError):
    """A data key does not unwrap: this is not the installation's JASA_PII_KEY."""


def _decoded(text: str, origin: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except ValueError:
        key = b""
    if len(key) != 32:
        raise InsecureKey(f"{origin} must be the base64 of 32 random bytes")
    return key


def load_or_create_master_key(settings: CommonSettings, create: bool = True) -> bytes:
    """The key-encryption key: JASA_PII_KEY (base64 of 32 bytes), else the one in the data dir,
    generated there on first run if `create` (refused in production, like a generated token
    secret). `jasa up` creates it once before starting the services, so all four share it."""
    if settings.pii_key is not None and settings.pii_key.get_secret_value():
        return _decoded(settings.pii_key.get_secret_value(), "JASA_PII_KEY")
    if settings.env == "production":
        raise InsecureKey("JASA_ENV=production needs JASA_PII_KEY; none was given")
    path = Path(settings.data_dir) / KEY_FILE
    if not create and not path.exists():
        raise InsecureKey(
            f"no JASA_PII_KEY and no {path}: the installation's key is needed to read "
            "the personal data in the log"
        )
    text = read_or_create(path, lambda: base64.b64encode(secrets.token_bytes(32))).decode()
    return _decoded(text, str(path))


def is_sealed(value: str) -> bool:
    return value.startswith(SEALED_PREFIX)


Crypt = Callable[[AESGCM, UUID, str, str], str]  # (cipher, dossier, field, value) -> value


def _sealed_fields(data: EventData) -> tuple[str, ...]:
    return SEALED_FIELDS.get(type(data), ())


def holds_sealed_data(event: Envelope) -> bool:
    fields = _sealed_fields(event.data)
    return bool(fields) and is_sealed(getattr(event.data, fields[0]))


class Privacy:
    def __init__(self, redis: Redis, keys: Keys, master_key: bytes) -> None:
        self.redis = redis
        self.store = keys.scoped("pii-keys")
        self._master = AESGCM(master_key)
        self._erase = redis.register_script(_ERASE_SCRIPT)

    async def _data_key(self, dossier_id: UUID, create: bool) -> bytes | None:
        """The dossier's data key; None once erased (or, when not `create`, never made)."""
        field = str(dossier_id)
        if create:
            # One round trip: offer a fresh key, read whichever is there (ours, an older one,
            # or the tombstone). Sealing mostly comes with a new dossier, which has none yet.
            fresh = secrets.token_bytes(32)
            nonce = secrets.token_bytes(12)
            candidate = nonce + self._master.encrypt(nonce, fresh, field.encode())
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.hsetnx(self.store, field, base64.b64encode(candidate))
                pipe.hget(self.store, field)
                _, wrapped = await pipe.execute()
        else:
            wrapped = await self.redis.hget(self.store, field)
        if wrapped is None or wrapped == TOMBSTONE:
            return None
        raw = base64.b64decode(wrapped)
        try:
            return self._master.decrypt(raw[:12], raw[12:], field.encode())
        except InvalidTag as error:
            raise WrongMasterKey(
                f"the data key of dossier {dossier_id} does not open with this master key: "
                "JASA_PII_KEY (or the data dir's pii.key) is not the installation's"
            ) from error

    async def seal(self, events: Iterable[Envelope]) -> list[Envelope]:
        """Encrypt the personal fields of the events that carry them (before appending).
        A dossier already erased gets `[dihapus]`: nothing personal is written for it again."""
        sealed = []
        for event in events:
            data = event.data
            fields = _sealed_fields(data)
            if fields and not is_sealed(getattr(data, fields[0])):
                event = await self._transformed(event, fields, _seal, create=True)
            sealed.append(event)
        return sealed

    async def reveal(self, event: Envelope) -> Envelope:
        """The event with its personal fields readable, or `[dihapus]` once erased."""
        if not holds_sealed_data(event):
            return event
        return await self._transformed(event, _sealed_fields(event.data), _open, create=False)

    async def _transformed(
        self, event: Envelope, fields: tuple[str, ...], crypt: Crypt, create: bool
    ) -> Envelope:
        """The event with each personal field passed through `crypt` (seal or open) under the
        dossier's key, or `[dihapus]` once the key is gone."""
        data = event.data
        dossier_id: UUID = getattr(data, "dossier_id")  # noqa: B009
        key = await self._data_key(dossier_id, create=create)
        update: dict[str, Any]
        if key is None:
            update = dict.fromkeys(fields, ERASED)
        else:
            cipher = AESGCM(key)
            update = {name: crypt(cipher, dossier_id, name, getattr(data, name)) for name in fields}
        return event.model_copy(update={"data": data.model_copy(update=update)})

    async def erase(self, dossier_id: UUID) -> bool:
        """Destroy the dossier's data key for good. True if there was one to destroy."""
        return bool(await self._erase(keys=[self.store], args=[str(dossier_id), TOMBSTONE]))

    async def is_erased(self, dossier_id: UUID) -> bool:
        return await self.redis.hget(self.store, str(dossier_id)) in (None, TOMBSTONE)


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
