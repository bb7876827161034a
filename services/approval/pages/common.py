"""What the approval unit's pages share: their router, the roles each admits, the letter
statuses as an officer reads them, and the page for a letter that is not there."""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse

from services.approval.domain import LetterStatus
from shared.identity import Officer
from shared.validation import NOTE_MAX
from shared.vocabulary import Role
from shared.web.deps import page_for, page_router
from shared.web.pages import render

pages = page_router()

Kasubbag = Annotated[Officer, Depends(page_for(Role.KASUBBAG_UMUM))]
Sekretaris = Annotated[Officer, Depends(page_for(Role.SEKRETARIS))]
Approver = Annotated[Officer, Depends(page_for(Role.KASUBBAG_UMUM, Role.SEKRETARIS))]
Reader = Annotated[Officer, Depends(page_for(Role.KASUBBAG_UMUM, Role.SEKRETARIS, Role.AUDITOR))]

STATUS_LABELS = {
    LetterStatus.AWAITING_SIGNATURE: "Menunggu tanda tangan",
    LetterStatus.SIGNED: "Ditandatangani",
    LetterStatus.REJECTED: "Ditolak",
}
PAGE_VALUES = {"labels": STATUS_LABELS, "reason_max": NOTE_MAX}


async def no_letter(request: Request) -> HTMLResponse:
    message = "Surat pengantar itu tidak ada di kantor Anda."
    return await render(request, "tidak_ditemukan.html", {"message": message}, status_code=404)
