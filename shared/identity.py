"""Tokens: JWTs signed with the installation's secret (HS256, pinned), claims `sub`,
`name`, `role`, `office`, `exp`. The actor of every event comes from here, never from a
request body.

Rotation: every token names its key by `kid` (a digest of the secret, never the secret).
A new secret is introduced as JASA_SECRET with the old one in JASA_PREVIOUS_SECRETS, so
tokens signed with the old one stay valid until they expire; then the old one is dropped."""

import functools
import hashlib
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt

from shared.errors import Unauthorized
from shared.events import Actor
from shared.secret_files import read_or_create
from shared.settings import CommonSettings
from shared.vocabulary import Role

ALGORITHM = "HS256"
# What a refused token is told: the library's own reason (a codec error, a padding) helps no
# caller and tells a prober how the token was read.
NOT_VALID = "the token is not valid; ask for a new one"
DEFAULT_TTL = timedelta(hours=12)
MIN_SECRET_LENGTH = 32
EXAMPLE_SECRETS = {"change-me", "changeme", "secret", "example", "jasa", "CHANGE-ME-IN-PRODUCTION"}


class InsecureSecret(RuntimeError):
    """Production refuses to start with a generated, short or example secret."""


def key_id(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Officer:
    officer_id: str
    name: str
    role: Role
    office: str

    def actor(self) -> Actor:
        return Actor(officer_id=self.officer_id, name=self.name, role=self.role)


def load_or_create_secret(settings: CommonSettings) -> str:
    """The signing secret: JASA_SECRET, else one generated into the data dir on first run.
    In production (JASA_ENV=production) only a given, strong, non-example secret is accepted."""
    if settings.env == "production":
        given = settings.secret.get_secret_value() if settings.secret else ""
        if not given:
            raise InsecureSecret("JASA_ENV=production needs JASA_SECRET; none was given")
        if len(given) < MIN_SECRET_LENGTH or given in EXAMPLE_SECRETS or "example" in given:
            raise InsecureSecret(
                f"JASA_SECRET is an example or shorter than {MIN_SECRET_LENGTH} characters"
            )
        return given
    if settings.secret is not None:
        return settings.secret.get_secret_value()
    path = Path(settings.data_dir) / "secret"
    return read_or_create(path, lambda: secrets.token_urlsafe(48).encode()).decode().strip()


def issue_token(
    secret: str,
    *,
    role: Role,
    officer_id: str,
    name: str,
    office: str,
    ttl: timedelta = DEFAULT_TTL,
) -> str:
    now = datetime.now(UTC)
    claims = {
        "sub": officer_id,
        "name": name,
        "role": Role(role).value,
        "office": office,
        "iat": now,
        "exp": now + ttl,
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM, headers={"kid": key_id(secret)})


def verify_token(token: str, secret: str | Sequence[str]) -> Officer:
    """The officer a token names; `secret` may list the current and previous secrets.

    A desk sends the same token with every request: a token verified once is remembered
    (by its whole text, signature included, and the secrets that verified it) until it
    expires, so only its expiry is checked again."""
    accepted = (secret,) if isinstance(secret, str) else tuple(secret)
    officer, expires = _verified(token, accepted)
    if time.time() >= expires:
        raise Unauthorized("the token has expired; ask for a new one")
    return officer


@functools.lru_cache(maxsize=4096)
def _verified(token: str, accepted: tuple[str, ...]) -> tuple[Officer, float]:
    """The officer and the expiry (epoch seconds) of a valid token; a refusal is not kept."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError as error:
        raise Unauthorized(NOT_VALID) from error
    if header.get("alg") != ALGORITHM:
        raise Unauthorized(f"the token must be signed with {ALGORITHM}, not {header.get('alg')}")
    by_kid = {key_id(candidate): candidate for candidate in accepted}
    signing_secret = by_kid.get(str(header.get("kid")))
    if signing_secret is None:
        raise Unauthorized("the token was signed with a key this installation does not accept")
    try:
        claims = jwt.decode(
            token,
            signing_secret,
            algorithms=[ALGORITHM],
            options={"require": ["sub", "name", "role", "office", "exp"]},
        )
    except jwt.ExpiredSignatureError as error:
        raise Unauthorized("the token has expired; ask for a new one") from error
    except jwt.MissingRequiredClaimError as error:
        raise Unauthorized(f"the token lacks its {error.claim!r} claim") from error
    except jwt.InvalidTokenError as error:
        raise Unauthorized(NOT_VALID) from error
    try:
        role = Role(claims["role"])
    except ValueError as error:
        raise Unauthorized(f"the token names an unknown role {claims['role']!r}") from error
    officer = Officer(str(claims["sub"]), str(claims["name"]), role, str(claims["office"]))
    return officer, float(claims["exp"])
