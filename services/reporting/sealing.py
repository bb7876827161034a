"""The audit chain and its seals.

Each archived event extends a SHA-256 chain, `hash_n = sha256(hash_{n-1} || bytes_n)`, over
the event's canonical bytes (`shared.events.encode`, position included), starting from 32
zero bytes. Every so often the chain is sealed by a checkpoint that signs (position, count,
chain hash) with the service's Ed25519 key; an auditor keeps the public key and can check
the seals without trusting the database they sit in."""

import base64
import binascii
import hashlib
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from services.reporting.config import ReportingSettings
from shared.master_key import InsecureKey
from shared.secret_files import read_or_create

GENESIS = bytes(32)
KEY_FILE = "reporting-signing.key"


class InsecureSigningKey(InsecureKey):
    """The checkpoint-signing key is missing where it must be given, or is no Ed25519 key.
    One of the key refusals a service reports in a sentence instead of starting."""


def chain(previous_hex: str | None, canonical: bytes) -> str:
    """The chain hash after one more event (hex)."""
    previous = bytes.fromhex(previous_hex) if previous_hex else GENESIS
    return hashlib.sha256(previous + canonical).hexdigest()


def checkpoint_message(office: str, position: str, count: int, chain_hash: str) -> bytes:
    """What a checkpoint signs: unambiguous, one field a line."""
    return f"jasa-dukcapil audit checkpoint\n{office}\n{position}\n{count}\n{chain_hash}\n".encode()


@dataclass(frozen=True)
class Sealer:
    """Signs checkpoints for one office."""

    key: Ed25519PrivateKey
    office: str

    def sign(self, position: str, count: int, chain_hash: str) -> str:
        message = checkpoint_message(self.office, position, count, chain_hash)
        return base64.b64encode(self.key.sign(message)).decode()

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.key.public_key()


def signature_holds(
    public_key: Ed25519PublicKey,
    office: str,
    position: str,
    count: int,
    chain_hash: str,
    signature: str,
) -> bool:
    try:
        raw = base64.b64decode(signature, validate=True)
        public_key.verify(raw, checkpoint_message(office, position, count, chain_hash))
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True


def public_key_text(public_key: Ed25519PublicKey, pem: bool = False) -> str:
    """The public key as an auditor keeps it: base64 of its 32 bytes, or PEM."""
    if pem:
        return public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode()
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def parse_private_key(text: str) -> Ed25519PrivateKey:
    """An Ed25519 private key from PEM (PKCS#8) or from base64 of its 32 raw bytes."""
    text = text.strip()
    if text.startswith("-----BEGIN"):
        key = serialization.load_pem_private_key(text.encode(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("the signing key is not an Ed25519 key")
        return key
    return Ed25519PrivateKey.from_private_bytes(_raw_key(text, "private"))


def parse_public_key(text: str) -> Ed25519PublicKey:
    """An Ed25519 public key from PEM or base64 of its 32 raw bytes."""
    text = text.strip()
    if text.startswith("-----BEGIN"):
        key = serialization.load_pem_public_key(text.encode())
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("the public key is not an Ed25519 key")
        return key
    return Ed25519PublicKey.from_public_bytes(_raw_key(text, "public"))


def _raw_key(text: str, kind: str) -> bytes:
    raw = base64.b64decode(text, validate=True)
    if len(raw) != 32:
        raise ValueError(f"a base64 Ed25519 {kind} key holds 32 bytes")
    return raw


def load_or_create_signing_key(
    settings: ReportingSettings, create: bool = True
) -> Ed25519PrivateKey:
    """The key that signs checkpoints: JASA_AUDIT_SIGNING_KEY, else the one under the data
    dir, made there on first run if `create`. Production takes only the setting: a key made
    on one machine's disk is not the installation's, whose public key the auditors keep."""
    given = settings.audit_signing_key.get_secret_value() if settings.audit_signing_key else ""
    if given.strip():
        return _private_key(given, "JASA_AUDIT_SIGNING_KEY")
    if settings.env == "production":
        raise InsecureSigningKey("JASA_ENV=production needs JASA_AUDIT_SIGNING_KEY; none was given")
    path = Path(settings.data_dir) / KEY_FILE
    if not create and not path.exists():
        raise InsecureSigningKey(f"no JASA_AUDIT_SIGNING_KEY and no {path}")
    return _private_key(read_or_create(path, _new_key_pem).decode(), str(path))


def _new_key_pem() -> bytes:
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _private_key(text: str, origin: str) -> Ed25519PrivateKey:
    """The key `text` holds, or a refusal naming where it came from (never the text itself)."""
    try:
        return parse_private_key(text)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        shapes = "base64 of its 32 bytes, or unencrypted PEM"
        raise InsecureSigningKey(f"{origin} is not an Ed25519 private key ({shapes})") from None


class Signing:
    """The seal of each office's checkpoints, for the archivists and the audit routes alike.
    The key is loaded with the projection, so that a refusal (production without the key)
    stops the start as the secret's does."""

    def __init__(self) -> None:
        self._sealers: dict[str, Sealer] = {}

    def load(self, settings: ReportingSettings, offices: list[str]) -> None:
        key = load_or_create_signing_key(settings)
        self._sealers = {office: Sealer(key, office) for office in offices}

    def sealer(self, office: str) -> Sealer:
        return self._sealers[office]
