"""`/login` and `/logout`, the same on every service: one sign-in serves all four, as the
session lives in the shared Redis under one cookie name.

A wrong password and an unknown username get the same answer, in the same time. After
`JASA_SIGN_IN_ATTEMPTS` failures a username is locked for `JASA_SIGN_IN_LOCK_S`, known or
not. Every sign-in, failure, lockout and sign-out goes to the office's security record."""

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from shared.officers.directory import OfficerEntry
from shared.officers.sign_ins import SignInKind
from shared.web.csrf import LOGIN_COOKIE, login_token, new_login_nonce
from shared.web.deps import optional_session, page_router
from shared.web.pages import render
from shared.web.sessions import COOKIE
from shared.web.site import Site, site_of

sign_in = page_router()

WRONG = "Nama pengguna atau kata sandi salah."
LOCKED = "Terlalu banyak percobaan masuk yang gagal. Coba lagi dalam {minutes} menit."
SUSPENDED = "Akun Anda sedang ditangguhkan. Hubungi Kasubbag Umum."
SIGNED_OUT = "Anda telah keluar."
MAX_FIELD = 256
MAX_NEXT = 2000


def safe_next(next_path: str | None) -> str | None:
    """A page of this service to return to; anything else (another site) is dropped."""
    if not next_path or len(next_path) > MAX_NEXT:
        return None
    if not next_path.startswith("/") or next_path.startswith("//"):
        return None
    if "\\" in next_path or any(ord(c) < 32 for c in next_path):
        return None
    return next_path


async def _form(
    request: Request,
    *,
    next_path: str | None,
    username: str = "",
    error: str | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    nonce = request.cookies.get(LOGIN_COOKIE) or new_login_nonce()
    values = {
        "login_token": login_token(request, nonce),
        "next": safe_next(next_path) or "",
        "username": username,
        "error": error,
        "notice": notice,
    }
    response = await render(request, "login.html", values, status_code=status_code)
    response.set_cookie(
        LOGIN_COOKIE,
        nonce,
        httponly=True,
        samesite="lax",
        secure=site_of(request).secure_cookies,
        path="/",
    )
    return response


@sign_in.get("/login")
async def login_form(request: Request, next: str | None = None, keluar: int = 0) -> Response:
    """The sign-in form; an officer already signed in goes on to their page."""
    session = await optional_session(request)
    if session is not None:
        target = safe_next(next) or site_of(request).home_url(request, session.officer)
        return RedirectResponse(target, status_code=303)
    return await _form(request, next_path=next, notice=SIGNED_OUT if keluar else None)


async def _find(site: Site, username: str) -> tuple[str, OfficerEntry | None]:
    """The office whose directory has this username (the default office when none has)."""
    for office in site.context.offices:
        entry = await site.directory(office).find(username)
        if entry is not None:
            return office, entry
    return site.context.office, None


@sign_in.post("/login")
async def login(
    request: Request,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    """Sign in with `username` and `password`."""
    # Overlong fields are a wrong sign-in like any other (the form answers, not a 422), and
    # the password's check refuses one past its bound before hashing it.
    site = site_of(request)
    username = username[:MAX_FIELD]
    typed = username.strip().lower()
    address = request.client.host if request.client else ""
    office, entry = await _find(site, typed)
    guard, record = site.guard(office), site.security_record(office)
    known = entry.username if entry else None
    officer_id = entry.officer_id if entry else None
    if await guard.locked(typed):
        await record.add(
            SignInKind.REFUSED_LOCKED, username=known, officer_id=officer_id, address=address
        )
        minutes = max(1, round(site.context.settings.sign_in_lock_s / 60))
        return await _form(
            request,
            next_path=next,
            username=username,
            error=LOCKED.format(minutes=minutes),
            status_code=429,
        )
    verified = await site.credentials(office).verify(known or typed, password)
    if entry is None or not verified:
        locked_now = await guard.failed(typed)
        kind = SignInKind.LOCKED if locked_now else SignInKind.FAILED
        await record.add(kind, username=known, officer_id=officer_id, address=address)
        minutes = max(1, round(site.context.settings.sign_in_lock_s / 60))
        error = LOCKED.format(minutes=minutes) if locked_now else WRONG
        return await _form(request, next_path=next, username=username, error=error, status_code=401)
    await guard.succeeded(typed)
    if entry.suspended:
        await record.add(
            SignInKind.REFUSED_SUSPENDED,
            username=entry.username,
            officer_id=entry.officer_id,
            address=address,
        )
        return await _form(
            request, next_path=next, username=username, error=SUSPENDED, status_code=403
        )
    officer = entry.identity()
    cookie, _ = await site.sessions.open(entry.username, officer)
    await record.add(
        SignInKind.SIGNED_IN, username=entry.username, officer_id=entry.officer_id, address=address
    )
    target = safe_next(next) or site.home_url(request, officer)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        COOKIE, cookie, httponly=True, samesite="lax", secure=site.secure_cookies, path="/"
    )
    response.delete_cookie(LOGIN_COOKIE, path="/")
    return response


@sign_in.post("/logout")
async def logout(request: Request) -> Response:
    """Sign out: the session ends at once, on every service."""
    site = site_of(request)
    session = await optional_session(request)
    if session is not None:
        await site.sessions.close(session)
        await site.security_record(session.office).add(
            SignInKind.SIGNED_OUT,
            username=session.username,
            officer_id=session.officer.officer_id,
            address=request.client.host if request.client else "",
        )
    response = RedirectResponse("/login?keluar=1", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response
