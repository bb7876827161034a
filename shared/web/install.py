"""One service's pages, wired in one place: the sessions, the templates, the static files,
the sign-in routes and the answers to a page's refusals. `install_site` is called by
`shared.service.create_service_app` for a service whose spec names its `pages` router."""

from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from shared.context import ServiceContext
from shared.web.errors import PageForbidden, SignInRequired
from shared.web.pages import render
from shared.web.sessions import SessionStore
from shared.web.sign_in import sign_in
from shared.web.site import HERE, STATIC_PATH, Site, page_templates


def install_site(app: FastAPI, service: str, context: ServiceContext, pages: APIRouter) -> None:
    settings = context.settings
    sessions = SessionStore(
        context.redis,
        context.offices,
        settings.key_prefix,
        idle_s=settings.session_idle_s,
        absolute_s=settings.session_absolute_s,
    )
    app.state.site = Site(service, context, sessions, page_templates(service))
    app.mount(STATIC_PATH, StaticFiles(directory=HERE / "static"), "web-static")
    app.include_router(sign_in)
    app.include_router(pages)
    app.add_exception_handler(SignInRequired, _to_sign_in)
    app.add_exception_handler(PageForbidden, _forbidden_page)


async def _to_sign_in(request: Request, error: Exception) -> Response:
    assert isinstance(error, SignInRequired)
    target = f"/login?next={quote(error.next_path, safe='/')}"
    if request.headers.get("hx-request"):
        # htmx would swap the sign-in form into a part of the page; the whole page goes.
        return Response(status_code=401, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


async def _forbidden_page(request: Request, error: Exception) -> HTMLResponse:
    assert isinstance(error, PageForbidden)
    return await render(request, "forbidden.html", {"message": error.message}, status_code=403)
