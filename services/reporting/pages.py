"""The reporting pages: the auditor's, and the reports the Kasubbag Umum and the
Sekretaris read."""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse

from shared.identity import Officer
from shared.vocabulary import Role
from shared.web.deps import page_for, page_router
from shared.web.pages import render

pages = page_router()

Reader = Annotated[Officer, Depends(page_for(Role.AUDITOR, Role.KASUBBAG_UMUM, Role.SEKRETARIS))]


@pages.get("/")
async def landing(request: Request, officer: Reader) -> HTMLResponse:
    """The audit chain's state for the auditor; the reports for the others."""
    if officer.role is Role.AUDITOR:
        values = {
            "heading": "Audit",
            "queue": "Keadaan rantai audit",
            "empty": "Verifikasi terakhir, checkpoint bertanda tangan dan laporan tampil di sini.",
        }
    else:
        values = {
            "heading": "Laporan",
            "queue": "Laporan pengiriman dan keterlambatan",
            "empty": "Laporan pengiriman, keterlambatan dan dokumen tidak terkirim tampil di sini.",
        }
    return await render(request, "queue.html", values)
