"""The page dependencies: the session, the signed-in officer, a role check, and the CSRF
check every page router carries (`page_router`). A service's `pages.py`:

    pages = page_router()
    FrontOffice = Annotated[Officer, Depends(page_for(Role.FO))]

    @pages.get("/")
    async def landing(request: Request, officer: FrontOffice) -> HTMLResponse:
        return await render(request, "landing.html", {...})

    @pages.post("/dossiers")
    async def register(request: Request, officer: FrontOffice, context: ContextDep,
                       nik: Annotated[str, Form()], ...) -> Response:
        events = await commands.register_document(context, officer, registration)
        # The next page shows the write, and says so once.
        return await after_form(request, "/", "Berkas terdaftar.", events[-1].position)

The officer is the paraf of the command's events; `ContextDep` and `SessionDep` (the SQL
session) of `shared.http.deps` work on pages too, `CurrentOfficer` and `LogDep` do not (they
read a bearer token): use `context.log_for(officer.office)`."""

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from shared.errors import ReadModelBehind
from shared.identity import Officer
from shared.vocabulary import Role
from shared.web.csrf import CSRF_FIELD, CSRF_HEADER, login_token_matches
from shared.web.errors import PageForbidden, SignInRequired
from shared.web.navigation import ROLE_LABELS
from shared.web.sessions import COOKIE, Session, same_token
from shared.web.site import site_of

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


async def optional_session(request: Request) -> Session | None:
    """The live session of this request's cookie, or None; read once per request."""
    if not hasattr(request.state, "session"):
        request.state.session = await site_of(request).sessions.find(request.cookies.get(COOKIE))
    session: Session | None = request.state.session
    return session


async def signed_in(
    request: Request, session: Annotated[Session | None, Depends(optional_session)]
) -> Session:
    """The session of a signed-in officer; otherwise the browser goes to the sign-in form.
    When the officer's last command is not yet in this service's read model, the page waits
    for it (bounded), so that a page read after a write shows the write."""
    if session is None:
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(path)
    if session.position is not None:
        try:
            await site_of(request).context.read_model_reached(session.office, session.position)
        except ReadModelBehind:
            request.state.behind = True  # the page says so rather than failing
    return session


PageSession = Annotated[Session, Depends(signed_in)]


async def page_officer(session: PageSession) -> Officer:
    """The signed-in officer: the paraf of every event a page's command appends."""
    return session.officer


PageOfficer = Annotated[Officer, Depends(page_officer)]


def page_for(*roles: Role) -> Callable[[Officer], Awaitable[Officer]]:
    """A dependency that lets only these roles see the page: 403 page for the others."""
    allowed = ", ".join(ROLE_LABELS[role] for role in roles)

    async def check(officer: PageOfficer) -> Officer:
        if officer.role not in roles:
            raise PageForbidden(
                f"Halaman ini untuk {allowed}. Anda masuk sebagai {ROLE_LABELS[officer.role]}."
            )
        return officer

    return check


async def csrf_checked(
    request: Request, session: Annotated[Session | None, Depends(optional_session)]
) -> None:
    """A POST (or other change) without this session's CSRF token, as the form field
    `csrf_token` or the header `X-CSRF-Token` (htmx sends it), is refused with 403."""
    if request.method not in UNSAFE:
        return
    given = request.headers.get(CSRF_HEADER)
    if given is None:
        form = await request.form()  # kept by Starlette: the route reads the same form
        value = form.get(CSRF_FIELD)
        given = value if isinstance(value, str) else None
    if session is not None and same_token(given, session.csrf_token):
        return
    if login_token_matches(request, given):
        return
    raise PageForbidden(
        "Formulir ini tidak sah atau sudah kedaluwarsa (token keamanan tidak cocok). "
        "Muat ulang halaman, lalu kirim lagi."
    )


def page_router() -> APIRouter:
    """A service's router of pages: HTML answers, CSRF checked on every change, and kept
    out of the API's OpenAPI document."""
    return APIRouter(
        include_in_schema=False,
        default_response_class=HTMLResponse,
        dependencies=[Depends(csrf_checked)],
    )


async def remember_position(request: Request, position: str) -> None:
    """After a command made from a page: the next page read (on any service) waits until
    its read model shows it."""
    session = await optional_session(request)
    if session is not None:
        await site_of(request).sessions.remember_position(session, position)


async def flash(request: Request, message: str) -> None:
    """A message (Bahasa Indonesia) shown once, in the next page's message region."""
    session = await optional_session(request)
    if session is not None:
        await site_of(request).sessions.flash(session, message)


async def after_form(
    request: Request, to: str, message: str, position: str | None = None
) -> RedirectResponse:
    """The answer to a form whose work is done, or was found done already (a second click):
    the browser goes on to `to`, where `message` is shown once; `position`, the command's,
    makes the next page read wait until it shows the write."""
    if position is not None:
        await remember_position(request, position)
    await flash(request, message)
    return RedirectResponse(to, status_code=303)
