"""The approval unit's pages: `/` is the Kasubbag Umum's recaps awaiting a letter, or the
Sekretaris's letters awaiting signature."""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse

from shared.identity import Officer
from shared.vocabulary import Role
from shared.web.deps import page_for, page_router
from shared.web.pages import render

pages = page_router()

Approver = Annotated[Officer, Depends(page_for(Role.KASUBBAG_UMUM, Role.SEKRETARIS))]


@pages.get("/")
async def landing(request: Request, officer: Approver) -> HTMLResponse:
    """The officer's queue: recaps to draft a letter for, or letters to sign."""
    if officer.role is Role.SEKRETARIS:
        values = {
            "heading": "Tanda tangan surat pengantar",
            "queue": "Surat menunggu tanda tangan",
            "empty": "Surat pengantar yang menunggu tanda tangan Anda tampil di sini.",
        }
    else:
        values = {
            "heading": "Surat pengantar",
            "queue": "Rekapan menunggu surat pengantar",
            "empty": "Rekapan yang menunggu surat pengantar tampil di sini.",
        }
    return await render(request, "queue.html", values)
