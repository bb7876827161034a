"""HTTP routes of the courier service: the third party's handovers and deliveries, the
Kasubbag Umum's receipt of returned documents, and how the webhooks fare (for the screens)."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response

from services.courier import commands, queries
from services.courier.queries import (
    AcceptedHandoverPublic,
    DeliveryOutcomePublic,
    FailedWebhookPublic,
    HandoverPublic,
    HandoverStatus,
    ReturnPublic,
    WebhookEndpointPublic,
)
from shared.http.deps import ContextDep, SessionDep, requires
from shared.http.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page
from shared.http.positions import READS_AFTER, answers_with_position, tell_position
from shared.http.requests import RequestModel
from shared.identity import Officer
from shared.validation import Note, PersonName
from shared.vocabulary import Relationship, ReturnReason, Role
from shared.webhooks.office import OfficeWebhooks

Courier = Annotated[Officer, Depends(requires(Role.COURIER))]
KasubbagUmum = Annotated[Officer, Depends(requires(Role.KASUBBAG_UMUM))]
Overseer = Annotated[Officer, Depends(requires(Role.AUDITOR, Role.KASUBBAG_UMUM))]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]


class DeliveredRequest(RequestModel):
    recipient_name: PersonName
    relationship: Relationship
    note: Note = ""


class ReturnedRequest(RequestModel):
    reason: ReturnReason
    note: Note = ""


handovers = APIRouter(tags=["handovers"], dependencies=[READS_AFTER])


@handovers.get("/handovers", response_model=Page[HandoverPublic])
async def list_handovers(
    officer: Courier,
    session: SessionDep,
    status: HandoverStatus | None = None,
    cursor: str | None = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[HandoverPublic]:
    """Signed cover letters with their manifests: READY to take, or ACCEPTED (no NIK)."""
    return await queries.handovers(session, officer.office, status, cursor, limit)


@handovers.get("/handovers/{letter_id}", response_model=HandoverPublic)
async def get_handover(letter_id: UUID, officer: Courier, session: SessionDep) -> HandoverPublic:
    """One handover: the signed letter and the documents it carries (no NIK)."""
    return await queries.handover_of(session, officer.office, letter_id)


@handovers.post(
    "/handovers/{letter_id}/accept",
    response_model=AcceptedHandoverPublic,
    responses=answers_with_position(),
)
async def accept_handover(
    letter_id: UUID, officer: Courier, context: ContextDep, response: Response
) -> AcceptedHandoverPublic:
    """Take the signed list, the letter and its documents for delivery (once)."""
    accepted = await commands.accept_handover(context, officer, letter_id)
    tell_position(response, accepted.position)
    return accepted.result


deliveries = APIRouter(tags=["deliveries"], dependencies=[READS_AFTER])


@deliveries.post(
    "/deliveries/{dossier_id}/delivered",
    response_model=DeliveryOutcomePublic,
    responses=answers_with_position(),
)
async def mark_delivered(
    dossier_id: UUID,
    body: DeliveredRequest,
    officer: Courier,
    context: ContextDep,
    response: Response,
) -> DeliveryOutcomePublic:
    """Record that a document reached its recipient."""
    delivered = await commands.record_delivery(
        context,
        officer,
        dossier_id,
        recipient_name=body.recipient_name,
        relationship=body.relationship,
        note=body.note,
    )
    tell_position(response, delivered.position)
    return delivered.result


@deliveries.post(
    "/deliveries/{dossier_id}/returned",
    response_model=DeliveryOutcomePublic,
    responses=answers_with_position(),
)
async def mark_returned(
    dossier_id: UUID,
    body: ReturnedRequest,
    officer: Courier,
    context: ContextDep,
    response: Response,
) -> DeliveryOutcomePublic:
    """Record that a document could not be delivered and goes back to the office."""
    returned = await commands.record_return(
        context, officer, dossier_id, reason=body.reason, note=body.note
    )
    tell_position(response, returned.position)
    return returned.result


returns = APIRouter(tags=["returns"], dependencies=[READS_AFTER])


@returns.post(
    "/returns/{dossier_id}/receive",
    response_model=DeliveryOutcomePublic,
    responses=answers_with_position(),
)
async def receive_return(
    dossier_id: UUID, officer: KasubbagUmum, context: ContextDep, response: Response
) -> DeliveryOutcomePublic:
    """Receive a returned document back into the office (Kasubbag Umum)."""
    received = await commands.receive_return(context, officer, dossier_id)
    tell_position(response, received.position)
    return received.result


@returns.get("/returns", response_model=Page[ReturnPublic])
async def list_returns(
    officer: KasubbagUmum,
    session: SessionDep,
    received: bool | None = None,
    cursor: str | None = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[ReturnPublic]:
    """Returned documents with reason and note; `received=false`: still to be received."""
    return await queries.returns(session, officer.office, received, cursor, limit)


webhooks = APIRouter(tags=["webhooks"])


def _webhooks_of(context: ContextDep, officer: Officer) -> OfficeWebhooks:
    keys = context.keys_for(officer.office)
    return OfficeWebhooks.of(context.redis, keys, context.master_key)


@webhooks.get("/webhooks/endpoints", response_model=Page[WebhookEndpointPublic])
async def list_webhook_endpoints(
    officer: Overseer, context: ContextDep
) -> Page[WebhookEndpointPublic]:
    """The office's webhook endpoints; a disabled one says when and why (410, or days failing)."""
    return await queries.webhook_endpoints(_webhooks_of(context, officer))


@webhooks.get("/webhooks/failed", response_model=Page[FailedWebhookPublic])
async def list_failed_webhooks(
    officer: Overseer, context: ContextDep, cursor: str | None = None, limit: Limit = DEFAULT_LIMIT
) -> Page[FailedWebhookPublic]:
    """Webhook messages that used all their attempts; `jasa webhooks replay` sends them again."""
    return await queries.failed_webhooks(_webhooks_of(context, officer), cursor, limit)


ROUTERS = [handovers, deliveries, returns, webhooks]
