"""The Kasubbag Umum receives returned documents back (`/kembali`)."""

from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlmodel.ext.asyncio.session import AsyncSession

from services.courier import commands, queries
from services.courier.domain import Delivery, Outcome
from services.courier.pages.common import KasubbagUmum, document_or_none, named, not_here, pages
from shared.errors import Conflict, NotFound
from shared.http.deps import ContextDep, SessionDep
from shared.http.pagination import MAX_LIMIT
from shared.identity import Officer
from shared.web.deps import after_form
from shared.web.forms import path_id
from shared.web.pages import polled_part, queue_values, render


@pages.get("/kembali")
async def returns_page(request: Request, officer: KasubbagUmum, session: SessionDep) -> Response:
    """The documents the courier brought back, to receive into the office."""
    return await render(request, "kembali.html", await _returns(session, officer))


@pages.get("/bagian/kembali")
async def returns_part(
    request: Request, officer: KasubbagUmum, session: SessionDep, sidik: str = ""
) -> Response:
    """The returns to receive alone, for their poll."""
    return await polled_part(request, "_kembali.html", await _returns(session, officer), sidik)


@pages.post("/kembali/{dossier_id}/terima")
async def receive(
    request: Request,
    dossier_id: str,
    officer: KasubbagUmum,
    context: ContextDep,
    session: SessionDep,
) -> Response:
    """Receive a returned document back into the office."""
    try:
        found = path_id(dossier_id)
        received = await commands.receive_return(context, officer, found)
    except NotFound:
        return await not_here(request)
    except Conflict:
        delivery = await commands.delivery_of(context, officer.office, found)
        if delivery.outcome is Outcome.RECEIVED_BACK:
            return await after_form(
                request, "/kembali", "Dokumen itu sudah diterima kembali di kantor."
            )
        values = await _returns(session, officer)
        values["refused"] = {str(found): _receipt_refusal(delivery, officer)}
        return await render(request, "kembali.html", values, status_code=409)
    document = await document_or_none(session, officer, str(found))
    what = named(document) if document else "Dokumen"
    return await after_form(
        request, "/kembali", f"{what} diterima kembali di kantor.", received.position
    )


async def _returns(session: AsyncSession, officer: Officer) -> dict[str, Any]:
    page = await queries.returns(session, officer.office, False, None, MAX_LIMIT)
    return {**queue_values("returns", page), "refused": {}}


def _receipt_refusal(delivery: Delivery, officer: Officer) -> str:
    """Why the Kasubbag Umum may not receive this document back (the 409's reason)."""
    if delivery.outcome is not Outcome.RETURNED:
        return "Dokumen ini tidak tercatat dikembalikan kurir."
    if delivery.returned_by == officer.officer_id:
        return (
            "Anda sendiri yang mencatat pengembalian dokumen ini sebagai kurir. Petugas yang "
            "mengembalikan dokumen tidak boleh menerimanya kembali (pemisahan tugas); "
            "Kasubbag Umum lain yang menerimanya."
        )
    return "Dokumen ini baru saja berubah. Muat ulang halaman, lalu coba lagi."
