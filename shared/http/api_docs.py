"""`/docs` (Swagger UI) and `/redoc` (ReDoc) with their files served by the service itself,
from the `openapi-ui-bundles` package: on an office network without internet, pages that
load them from a CDN are blank."""

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from openapi_ui_bundles import redoc, swagger_ui

STATIC = "/static/api-docs"


def serve_api_docs(app: FastAPI) -> None:
    """Add the two pages to an app built with `docs_url=None, redoc_url=None`."""
    app.mount(f"{STATIC}/swagger-ui", StaticFiles(directory=swagger_ui.static_path), "swagger-ui")
    app.mount(f"{STATIC}/redoc", StaticFiles(directory=redoc.static_path), "redoc")
    openapi_url = app.openapi_url or "/openapi.json"

    async def swagger_ui_page(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=root + openapi_url,
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{root}{STATIC}/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{STATIC}/swagger-ui/swagger-ui.css",
            swagger_favicon_url=f"{root}{STATIC}/swagger-ui/favicon-32x32.png",
            # Swagger UI would otherwise send the document to an online validator for a badge.
            swagger_ui_parameters={"validatorUrl": None},
        )

    async def redoc_page(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_redoc_html(
            openapi_url=root + openapi_url,
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{root}{STATIC}/redoc/redoc.standalone.js",
            redoc_favicon_url=f"{root}{STATIC}/swagger-ui/favicon-32x32.png",
            with_google_fonts=False,
        )

    # Plain routes, as FastAPI adds its own docs pages: pages of the API, not operations of it.
    app.add_route("/docs", swagger_ui_page, include_in_schema=False)
    app.add_route("/redoc", redoc_page, include_in_schema=False)
