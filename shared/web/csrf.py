"""CSRF tokens. A signed-in officer's forms carry their session's token; the sign-in form,
before any session, carries one bound to a cookie of its own (`jasa_login`) by an HMAC
under the installation's secret, so a page of another site can neither read nor make it."""

import hashlib
import hmac
import secrets

from fastapi import Request

from shared.web.sessions import same_token
from shared.web.site import site_of

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
LOGIN_COOKIE = "jasa_login"


def new_login_nonce() -> str:
    return secrets.token_urlsafe(24)


def login_token(request: Request, nonce: str) -> str:
    secret = site_of(request).context.secret.encode()
    return hmac.new(secret, f"login:{nonce}".encode(), hashlib.sha256).hexdigest()


def login_token_matches(request: Request, given: str | None) -> bool:
    nonce = request.cookies.get(LOGIN_COOKIE)
    return bool(nonce) and same_token(given, login_token(request, nonce or ""))
