"""Composition root of the approval service, for `uvicorn --factory`."""

from fastapi import FastAPI

from services.approval.config import ApprovalSettings
from services.approval.consumers import CONSUMED, projection
from services.approval.http import router
from services.approval.pages import pages
from services.approval.projections import add_fix_columns
from shared.events import LetterDrafted, LetterRejected, LetterSigned, RejectionAddressed
from shared.service import ServiceSpec, create_service_app

SPEC = ServiceSpec(
    name="approval",
    title="Jasa Dukcapil - approval (Kasubbag Umum, Sekretaris)",
    description="Kasubbag Umum drafts cover letters, Sekretaris signs or rejects them.",
    routers=[router],
    pages=pages,
    publishes=[LetterDrafted, LetterSigned, LetterRejected, RejectionAddressed],
    consumes=CONSUMED,
    projection=projection,
    on_startup=[add_fix_columns],
)


def create_app(settings: ApprovalSettings | None = None) -> FastAPI:
    return create_service_app(SPEC, settings or ApprovalSettings())
