"""Tokens: JWTs signed with the installation's secret (HS256, pinned), claims `sub`,
`name`, `role`, `office`, `exp`. The actor of every event comes from here, never from a
request body."""

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt

from shared.errors import Unauthorized
from shared.events import Actor
from shared.settings import CommonSettings
from shared.vocabulary import Role

ALGORITHM = "HS256"
DEFAULT_TTL = timedelta(hours=12)


@dataclass(frozen=True, slots=True)
class Officer:
    officer_id: str
    name: str
    role: Role
    office: str

    def actor(self) -> Actor:
        return Actor(officer_id=self.officer_id, name=self.name, role=self.role)


def load_or_create_secret(settings: CommonSettings) -> str:
    """The signing secret: JASA_SECRET, else one generated into the data dir on first run."""
    if settings.secret is not None:
        return settings.secret.get_secret_value()
    path = Path(settings.data_dir) / "secret"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    path.touch(mode=0o600)
    path.write_text(value)
    return value


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
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def verify_token(token: str, secret: str) -> Officer:
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            options={"require": ["sub", "name", "role", "office", "exp"]},
        )
    except jwt.ExpiredSignatureError as error:
        raise Unauthorized("the token has expired; ask for a new one") from error
    except jwt.InvalidTokenError as error:
        raise Unauthorized(f"the token is not valid: {error}") from error
    try:
        role = Role(claims["role"])
    except ValueError as error:
        raise Unauthorized(f"the token names an unknown role {claims['role']!r}") from error
    return Officer(str(claims["sub"]), str(claims["name"]), role, str(claims["office"]))
