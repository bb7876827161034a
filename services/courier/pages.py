"""The courier's pages (made for a 360x740 phone), and the Kasubbag Umum's returned
documents to receive back."""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse

from shared.identity import Officer
from shared.vocabulary import Role
from shared.web.deps import page_for, page_router
from shared.web.pages import render

pages = page_router()

CourierOrKasubbag = Annotated[Officer, Depends(page_for(Role.COURIER, Role.KASUBBAG_UMUM))]


@pages.get("/")
async def landing(request: Request, officer: CourierOrKasubbag) -> HTMLResponse:
    """The courier's handovers to accept, or the documents returned to receive back."""
    if officer.role is Role.COURIER:
        values = {
            "heading": "Serah terima dokumen",
            "queue": "Serah terima siap diterima",
            "empty": "Surat pengantar yang siap Anda terima tampil di sini.",
        }
    else:
        values = {
            "heading": "Dokumen kembali",
            "queue": "Dokumen kembali untuk diterima",
            "empty": "Dokumen yang dikembalikan kurir tampil di sini.",
        }
    return await render(request, "queue.html", values)
