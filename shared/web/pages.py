"""Rendering a page: a template of the service (or a shared one) with what the base layout
needs: the officer and their menu, the CSRF token, the messages to show once.

    return await render(request, "landing.html", {"heading": "..."})"""

import hashlib
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from shared.http.pagination import Page
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
    fragment: bool = False,
) -> HTMLResponse:
    """The page `template` with `values`; the layout's own values are added:
    `officer`, `role_label`, `menu` (links with `url`, `label`, `current`), `csrf_token`,
    `csrf_field`, `messages` (shown once), `behind` (the read model lags the officer's last
    write), `static` (the static files' path) and `service`. A `fragment` (a part of a page
    that htmx swaps in, e.g. a queue's poll) leaves the messages for the next whole page."""
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
        "messages": await site.sessions.take_flashes(session) if session and not fragment else [],
        "behind": getattr(request.state, "behind", False),
    }
    if session is not None:
        layout["menu"] = [
            {
                "url": site.url_of(request, link),
                "label": link.label,
                "current": link.service == site.service and _is_current(link.path, request),
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


def _is_current(target: str, request: Request) -> bool:
    """A menu link is the page shown: the same path, and any query the link names."""
    path, _, query = target.partition("?")
    wanted = parse_qsl(query)
    return path == request.url.path and all(request.query_params.get(k) == v for k, v in wanted)


def fingerprint(*parts: str) -> str:
    """A short digest of what a polled part of a page shows: the poll sends it back, and an
    unchanged part is not sent again (`polled_part`)."""
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def queue_values(name: str, page: Page[Any]) -> dict[str, Any]:
    """What a polled queue shows of a page of items: the items (as `name`), whether more wait
    beyond them (`more`), and their fingerprint (`sidik`)."""
    return {
        name: page.items,
        "more": page.next is not None,
        "sidik": fingerprint(page.model_dump_json()),
    }


async def polled_part(
    request: Request, template: str, values: Mapping[str, Any], shown: str
) -> Response:
    """A part of a page that htmx polls: 204 when what it shows has not changed (`shown` is
    the fingerprint the page holds), so htmx leaves it, and focus and scroll stay put."""
    if shown == values["sidik"]:
        return Response(status_code=204)
    return await render(request, template, values, fragment=True)


def page_status(error: str, errors: object = None) -> int:
    """The status of a page shown again after its form: 409 when it says why its command was
    refused (a step out of order, a conflict), 422 when fields need correcting, else 200."""
    return 409 if error else 422 if errors else 200
