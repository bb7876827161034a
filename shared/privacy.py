"""Personal data in the log, encrypted and erasable (crypto-shredding).

The personal fields of DocumentRegistered (NIK, name, address, phone, and the document's
number: a KTP-el's number is its holder's NIK, a KIA's the child's), the recipient's
name of Delivered and every free-text note (`SEALED_FIELDS`) are stored in the log
encrypted with AES-GCM under a data key of their own dossier (a letter's words under the
letter's). Data keys live apart from the log, in the office's key store
(`jasa:{<office>}:pii-keys`), each wrapped by the installation's key-encryption key
(JASA_PII_KEY, or a key generated into the data dir: shared.master_key). Where they are kept
is a port (shared.data_keys): Redis in the services, memory in the handlers' unit tests.
Events appended before a field was sealed keep it in clear: a stored byte is never rewritten
(the audit chain hashes them), so each field is opened only if it is sealed.
Erasing a dossier's data key makes its personal data unreadable wherever it came from the
log, while the log itself — and so the audit chain over it — stays untouched.

A field is sealed as `pii:v1:<base64(nonce || ciphertext)>`, bound by its associated data
to its dossier and field name, so a ciphertext cannot be moved to another record."""

import base64
import binascii
import secrets
from collections.abc import Callable, Iterable, Sequence
from typing import Any
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster

from shared.data_keys import DataKeyStore, RedisDataKeys
from shared.events import (
    Delivered,
    DeliveryAttemptFailed,
    DocumentFlagged,
    DocumentRegistered,
    DossierCorrected,
    Envelope,
    FlagResolved,
    LetterRejected,
    OutForDelivery,
    RejectionAddressed,
    Returned,
    id_text,
    with_data_fields,
    with_fields,
)
from shared.keys import Keys
from shared.personal_data import PersonalFields

PERSONAL_FIELDS = ("nik", "name", "address", "phone", "document_number")
# The person's own data, per event type: the applicant's, the name of whoever received the
# document (the applicant themself when delivered to SELF), every free-text note, which an
# officer may well fill with a name or a number, and the receipt code sent to the citizen (a
# secret that opens delivery). All under the dossier's key; a letter's words (why it was
# rejected, what its redraft fixed) under the letter's own.
SEALED_FIELDS: PersonalFields = {
    DocumentRegistered: PERSONAL_FIELDS,
    DocumentFlagged: ("note",),
    FlagResolved: ("note",),
    Delivered: ("recipient_name", "note"),
    Returned: ("note",),
    OutForDelivery: ("receipt_code",),
    DeliveryAttemptFailed: ("note",),
    LetterRejected: ("reason",),
    DossierCorrected: ("name", "address", "phone", "note"),
    RejectionAddressed: ("fix",),
}
SEALED_PREFIX = "pii:v1:"
ERASED = "[dihapus]"  # what an erased field reads as, everywhere
# What an erased dossier's entry in the key store holds instead of its data key, so that no
# new key can ever be made for it (a retried append after erasure seals nothing readable).
TOMBSTONE = b"erased"


class WrongMasterKey(RuntimeError):
    """A data key does not unwrap: this is not the installation's JASA_PII_KEY."""


def is_sealed(value: str) -> bool:
    return value.startswith(SEALED_PREFIX)


Crypt = Callable[[AESGCM, str, str, str], str]  # (cipher, dossier id, field, value) -> value


def _holds_data(event: Envelope, sealed: bool, fields: PersonalFields = SEALED_FIELDS) -> bool:
    """The event carries personal data, sealed (or, with `sealed` False, still in clear).
    A field may be empty (None) or, in an event appended before it was sealed, in clear."""
    values = [getattr(event.data, name) for name in fields.get(type(event.data), ())]
    return any(isinstance(value, str) and is_sealed(value) is sealed for value in values)


def holds_sealed_data(event: Envelope) -> bool:
    return _holds_data(event, sealed=True)


def _dossier_of(event: Envelope) -> UUID:
    """Whose key seals the event's personal data: its dossier's, or its letter's."""
    data = event.data
    subject: UUID = getattr(data, "dossier_id", None) or getattr(data, "letter_id")  # noqa: B009
    return subject


def _transformed(
    event: Envelope,
    crypt: Crypt,
    ciphers: dict[UUID, AESGCM | None],
    only: PersonalFields = SEALED_FIELDS,
) -> Envelope:
    """The event with each personal field (of `only`) passed through `crypt` (seal or open)
    under its dossier's key, or `[dihapus]` once the key is gone."""
    data = event.data
    fields = only[type(data)]
    dossier_id = _dossier_of(event)
    cipher = ciphers[dossier_id]
    update: dict[str, Any]
    present = [name for name in fields if getattr(data, name) is not None]
    if cipher is None:
        update = dict.fromkeys(present, ERASED)
    else:
        record = id_text(dossier_id)
        update = {name: crypt(cipher, record, name, getattr(data, name)) for name in present}
    return with_fields(event, data=with_data_fields(data, **update))


class Privacy:
    """Seals and reveals the personal data of one office, its data keys kept in `store`: a
    Redis client, for the office's key store on it, or any DataKeyStore."""

    def __init__(
        self, store: Redis | RedisCluster | DataKeyStore, keys: Keys, master_key: bytes
    ) -> None:
        if isinstance(store, Redis | RedisCluster):
            store = RedisDataKeys(store, keys)
        self.store: DataKeyStore = store
        self._master = AESGCM(master_key)

    async def _data_keys(
        self, dossier_ids: Iterable[UUID], create: bool
    ) -> dict[UUID, AESGCM | None]:
        """Each dossier's data key, as a cipher; None once erased (or, when not `create`,
        never made). One round trip for them all, however many: a page of events, or a
        command's, is sealed or revealed with one read of the key store."""
        wanted = {dossier_id: id_text(dossier_id) for dossier_id in dossier_ids}
        if not wanted:
            return {}
        fields = list(wanted.values())
        wrapped: list[bytes] | list[bytes | None]
        if create:
            # Sealing mostly comes with a new dossier, which has no key yet. An erased one
            # keeps its tombstone: the offer never replaces what a dossier holds.
            offers = [(field, self._wrapped(field, _new_data_key())) for field in fields]
            wrapped = await self.store.offer(offers)
        else:
            wrapped = await self.store.get(fields)
        return {
            dossier_id: self._cipher(dossier_id, field, stored)
            for (dossier_id, field), stored in zip(wanted.items(), wrapped, strict=True)
        }

    def _wrapped(self, field: str, key: bytes) -> bytes:
        """A dossier's data key as the key store keeps it: wrapped by the master key."""
        nonce = secrets.token_bytes(12)
        return base64.b64encode(nonce + self._master.encrypt(nonce, key, field.encode()))

    def _cipher(self, dossier_id: UUID, field: str, wrapped: bytes | None) -> AESGCM | None:
        if wrapped is None or wrapped == TOMBSTONE:
            return None
        raw = base64.b64decode(wrapped)
        try:
            return AESGCM(self._master.decrypt(raw[:12], raw[12:], field.encode()))
        except InvalidTag as error:
            raise WrongMasterKey(
                f"the data key of dossier {dossier_id} does not open with this master key: "
                "JASA_PII_KEY (or the data dir's pii.key) is not the installation's"
            ) from error

    async def seal(self, events: Iterable[Envelope]) -> list[Envelope]:
        """Encrypt the personal fields of the events that carry them (before appending), a
        new dossier's under a data key made here. A dossier already erased gets `[dihapus]`:
        nothing personal is written for it again."""
        return await self._passed_through(list(events), _seal, sealed=False)

    async def reveal_all(
        self, events: Sequence[Envelope], only: PersonalFields = SEALED_FIELDS
    ) -> list[Envelope]:
        """The events with their personal fields readable, or `[dihapus]` once erased; given
        `only`, just those fields of those events (the others stay sealed)."""
        return await self._passed_through(events, _open, sealed=True, only=only)

    async def _passed_through(
        self,
        events: Sequence[Envelope],
        crypt: Crypt,
        sealed: bool,
        only: PersonalFields = SEALED_FIELDS,
    ) -> list[Envelope]:
        """Each event whose personal data (of `only`) is `sealed` (or in clear) passed through
        `crypt` under its dossier's key, the keys asked for in one step; the others as they
        are."""
        chosen = [_holds_data(event, sealed, only) for event in events]
        ciphers = await self._data_keys(
            [_dossier_of(event) for event, take in zip(events, chosen, strict=True) if take],
            create=not sealed,  # a key is made only to seal; revealing never makes one
        )
        return [
            _transformed(event, crypt, ciphers, only) if take else event
            for event, take in zip(events, chosen, strict=True)
        ]

    async def reveal(self, event: Envelope) -> Envelope:
        """`reveal_all` of one event."""
        (revealed,) = await self.reveal_all([event])
        return revealed

    async def seal_bytes(self, dossier_id: UUID, purpose: str, data: bytes) -> bytes | None:
        """Bytes kept apart from the log (a photo proof) encrypted under the dossier's data
        key, bound to the dossier and `purpose` (a dossier registered before its data was
        sealed is given its key now); None once erased: nothing personal is kept for it."""
        cipher = (await self._data_keys([dossier_id], create=True))[dossier_id]
        if cipher is None:
            return None
        nonce = secrets.token_bytes(12)
        bound = f"{id_text(dossier_id)}:{purpose}".encode()
        return nonce + cipher.encrypt(nonce, data, bound)

    async def open_bytes(self, dossier_id: UUID, purpose: str, sealed: bytes) -> bytes | None:
        """`seal_bytes` undone; None once the dossier's key is gone (the bytes are noise)."""
        cipher = (await self._data_keys([dossier_id], create=False))[dossier_id]
        if cipher is None:
            return None
        bound = f"{id_text(dossier_id)}:{purpose}".encode()
        try:
            return cipher.decrypt(sealed[:12], sealed[12:], bound)
        except InvalidTag as error:
            raise ValueError(f"the sealed {purpose} of dossier {dossier_id} was altered") from error

    async def erase(self, dossier_id: UUID) -> bool:
        """Destroy the dossier's data key for good. True if there was one to destroy."""
        before = await self.store.replace(str(dossier_id), TOMBSTONE)
        return before is not None and before != TOMBSTONE

    async def is_erased(self, dossier_id: UUID) -> bool:
        (stored,) = await self.store.get([str(dossier_id)])
        return stored in (None, TOMBSTONE)


def _new_data_key() -> bytes:
    return secrets.token_bytes(32)


def _seal(cipher: AESGCM, dossier_id: str, field: str, value: str) -> str:
    if is_sealed(value):
        return value
    nonce = secrets.token_bytes(12)
    sealed = nonce + cipher.encrypt(nonce, value.encode(), f"{dossier_id}:{field}".encode())
    return SEALED_PREFIX + base64.b64encode(sealed).decode()


def _open(cipher: AESGCM, dossier_id: str, field: str, value: str) -> str:
    if not is_sealed(value):
        return value  # appended before this field was sealed
    raw = binascii.a2b_base64(value[len(SEALED_PREFIX) :])
    try:
        return cipher.decrypt(raw[:12], raw[12:], f"{dossier_id}:{field}".encode()).decode()
    except InvalidTag as error:
        raise ValueError(f"the sealed {field} of dossier {dossier_id} was tampered with") from error
