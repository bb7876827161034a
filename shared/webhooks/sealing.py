"""Webhook secrets and message bodies at rest: encrypted with AES-GCM under a key derived
from the installation's key-encryption key (JASA_PII_KEY), bound by associated data to the
record they belong to, so a sealed value cannot be moved to another endpoint or message.

A body carries a manifest (names, addresses, phone numbers), so it is sealed like the
personal data of the log; a secret must never be readable from a copy of Redis."""

import base64
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PREFIX = "whk:v1:"


class Unreadable(ValueError):
    """A sealed value does not open: another installation's key, or tampered with."""


class Sealer:
    def __init__(self, master_key: bytes) -> None:
        derived = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"jasa-dukcapil webhooks v1"
        ).derive(master_key)
        self._cipher = AESGCM(derived)

    def seal(self, plain: bytes, record: str) -> str:
        nonce = secrets.token_bytes(12)
        sealed = nonce + self._cipher.encrypt(nonce, plain, record.encode())
        return PREFIX + base64.b64encode(sealed).decode()

    def open(self, sealed: str | bytes, record: str) -> bytes:
        text = sealed.decode() if isinstance(sealed, bytes) else sealed
        if not text.startswith(PREFIX):
            raise Unreadable(f"{record} is not sealed as webhooks seal")
        raw = base64.b64decode(text[len(PREFIX) :])
        try:
            return self._cipher.decrypt(raw[:12], raw[12:], record.encode())
        except InvalidTag as error:
            raise Unreadable(
                f"{record} does not open with this installation's key (JASA_PII_KEY)"
            ) from error
