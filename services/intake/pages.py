"""The FO desk's pages: `/` is the FO's landing page (it becomes the registration form)."""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse

from shared.identity import Officer
from shared.vocabulary import Role
from shared.web.deps import page_for, page_router
from shared.web.pages import render

pages = page_router()

FrontOffice = Annotated[Officer, Depends(page_for(Role.FO))]


@pages.get("/")
async def landing(request: Request, officer: FrontOffice) -> HTMLResponse:
    """The FO desk: registration and today's dossiers."""
    return await render(
        request,
        "queue.html",
        {
            "heading": "Pendaftaran dokumen",
            "queue": "Berkas hari ini",
            "empty": "Formulir pendaftaran dan daftar berkas hari ini tampil di sini.",
        },
    )
