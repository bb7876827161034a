"""What the courier's screens share: their router, who may see them, and how a document is
found and named."""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from sqlmodel.ext.asyncio.session import AsyncSession

from services.courier import queries
from services.courier.queries import CourierDocumentPublic
from shared.errors import NotFound
from shared.identity import Officer
from shared.vocabulary import Role
from shared.web import wording
from shared.web.deps import page_for, page_router
from shared.web.forms import path_id
from shared.web.pages import render

pages = page_router()

Courier = Annotated[Officer, Depends(page_for(Role.COURIER))]
KasubbagUmum = Annotated[Officer, Depends(page_for(Role.KASUBBAG_UMUM))]
CourierOrKasubbag = Annotated[Officer, Depends(page_for(Role.COURIER, Role.KASUBBAG_UMUM))]

NOT_HERE = "Surat pengantar atau dokumen itu tidak ada di kantor Anda."


async def not_here(request: Request) -> HTMLResponse:
    return await render(request, "tidak_ada.html", {"message": NOT_HERE}, status_code=404)


async def document_or_none(
    session: AsyncSession, officer: Officer, dossier_id: str
) -> CourierDocumentPublic | None:
    try:
        return await queries.courier_document(session, officer.office, path_id(dossier_id))
    except NotFound:
        return None


def named(document: CourierDocumentPublic) -> str:
    """`KTP Elektronik ****1234`: enough to match the paper in hand, no more."""
    return f"{wording.document_name(document.document_type)} {document.document_number}"
