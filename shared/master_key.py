"""The installation's key-encryption key (the master key), which wraps every dossier's data
key (shared.privacy): where it comes from, and what makes a key or secret unfit to use."""

import base64
import secrets
from pathlib import Path

from shared.secret_files import read_or_create
from shared.settings import CommonSettings

KEY_FILE = "pii.key"


class InsecureKey(RuntimeError):
    pass


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
