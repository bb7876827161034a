"""Rendering a page: a template of the service (or a shared one) with what the base layout
needs: the officer and their menu, the CSRF token, the messages to show once.

    return await render(request, "landing.html", {"heading": "..."})"""

from collections.abc import Mapping
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from shared.web.csrf import CSRF_FIELD, CSRF_HEADER
from shared.web.navigation import MENU, ROLE_LABELS
from shared.web.sessions import Session
from shared.web.site import STATIC_PATH, site_of

# What a page may load: its own service's files only (no CDN, no inline script).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)


async def render(
    request: Request,
    template: str,
    values: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """The page `template` with `values`; the layout's own values are added:
    `officer`, `role_label`, `menu` (links with `url`, `label`, `current`), `csrf_token`,
    `csrf_field`, `messages` (shown once), `behind` (the read model lags the officer's last
    write), `static` (the static files' path) and `service`."""
    site = site_of(request)
    session: Session | None = getattr(request.state, "session", None)
    layout: dict[str, Any] = {
        "service": site.service,
        "static": STATIC_PATH,
        "csrf_field": CSRF_FIELD,
        "csrf_header": CSRF_HEADER,
        "csrf_token": session.csrf_token if session else "",
        "officer": session.officer if session else None,
        "role_label": ROLE_LABELS[session.officer.role] if session else "",
        "menu": [],
        "messages": await site.sessions.take_flashes(session) if session else [],
        "behind": getattr(request.state, "behind", False),
    }
    if session is not None:
        layout["menu"] = [
            {
                "url": site.url_of(request, link),
                "label": link.label,
                "current": link.service == site.service and link.path == request.url.path,
            }
            for link in MENU[session.officer.role]
        ]
    response = site.templates.TemplateResponse(
        request, template, {**layout, **(values or {})}, status_code=status_code
    )
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response
