"""HTTP routes of the courier service: the third party's handovers and deliveries (out for
delivery, failed attempts, delivered with a receipt code or photo proof, returned), the
Kasubbag Umum's receipt of returned documents, the auditor's look at a photo proof, and how
the webhooks fare (for the screens)."""

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import StringConstraints, ValidationError
from starlette.datastructures import UploadFile

from services.courier import commands, queries
from services.courier.domain import Proof
from services.courier.photos import Photo, PhotoStore, checked_photo
from services.courier.queries import (
    AcceptedHandoverPublic,
    AttemptPublic,
    CourierDocumentPublic,
    DeliveryOutcomePublic,
    FailedWebhookPublic,
    HandoverPublic,
    HandoverStatus,
    OutForDeliveryPublic,
    ReturnPublic,
    WebhookEndpointPublic,
)
from shared.errors import Unprocessable
from shared.http.deps import ContextDep, SessionDep, requires
from shared.http.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page
from shared.http.positions import READS_AFTER, answered, answers_with_position
from shared.http.requests import RequestModel
from shared.identity import Officer
from shared.validation import Note, PersonName
from shared.vocabulary import AttemptReason, Relationship, ReturnReason, Role
from shared.webhooks.office import OfficeWebhooks

Courier = Annotated[Officer, Depends(requires(Role.COURIER))]
KasubbagUmum = Annotated[Officer, Depends(requires(Role.KASUBBAG_UMUM))]
Auditor = Annotated[Officer, Depends(requires(Role.AUDITOR))]
Overseer = Annotated[Officer, Depends(requires(Role.AUDITOR, Role.KASUBBAG_UMUM))]


async def get_photos(request: Request) -> PhotoStore:
    """The photo store the composition root built for this app (services/courier/main.py)."""
    photos: PhotoStore = request.app.state.photos
    return photos


PhotosDep = Annotated[PhotoStore, Depends(get_photos)]
ReceiptCode = Annotated[str, StringConstraints(pattern=r"^\d{6}$")]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]


class DeliveredRequest(RequestModel):
    """With `receipt_code` (the 6 digits the citizen was sent) the rest may be left out; without
    it, `recipient_name`, `relationship` and a photo (multipart, field `photo`) are needed."""

    receipt_code: ReceiptCode | None = None
    recipient_name: PersonName | None = None
    relationship: Relationship | None = None
    note: Note = ""

    def proof(self) -> Proof:
        return Proof(
            receipt_code=self.receipt_code,
            recipient_name=self.recipient_name,
            relationship=self.relationship,
            note=self.note,
        )


class AttemptRequest(RequestModel):
    reason: AttemptReason
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
    return answered(response, await commands.accept_handover(context, officer, letter_id))


deliveries = APIRouter(tags=["deliveries"], dependencies=[READS_AFTER])


@deliveries.get("/deliveries/{dossier_id}", response_model=CourierDocumentPublic)
async def get_delivery(
    dossier_id: UUID, officer: Courier, session: SessionDep
) -> CourierDocumentPublic:
    """One document of a signed letter: whom it goes to (no NIK) and what became of it."""
    return await queries.courier_document(session, officer.office, dossier_id)


@deliveries.post(
    "/deliveries/{dossier_id}/out-for-delivery",
    response_model=OutForDeliveryPublic,
    responses=answers_with_position(),
)
async def mark_out_for_delivery(
    dossier_id: UUID, officer: Courier, context: ContextDep, response: Response
) -> OutForDeliveryPublic:
    """The courier sets out to the door: the citizen is sent a new 6-digit receipt code."""
    return answered(response, await commands.send_out_for_delivery(context, officer, dossier_id))


@deliveries.post(
    "/deliveries/{dossier_id}/attempts",
    status_code=201,
    response_model=AttemptPublic,
    responses=answers_with_position(201),
)
async def record_attempt(
    dossier_id: UUID,
    body: AttemptRequest,
    officer: Courier,
    context: ContextDep,
    response: Response,
) -> AttemptPublic:
    """Record a failed delivery attempt and why; after JASA_MAX_ATTEMPTS only a return is left."""
    recorded = await commands.record_attempt(
        context, officer, dossier_id, reason=body.reason, note=body.note
    )
    return answered(response, recorded)


DELIVERED_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": DeliveredRequest.model_json_schema()},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        **DeliveredRequest.model_json_schema()["properties"],
                        "photo": {
                            "type": "string",
                            "format": "binary",
                            "description": "JPEG or PNG, at most 2 MB",
                        },
                    },
                }
            },
        },
    }
}


@deliveries.post(
    "/deliveries/{dossier_id}/delivered",
    response_model=DeliveryOutcomePublic,
    responses=answers_with_position(),
    openapi_extra=DELIVERED_BODY,
)
async def mark_delivered(
    dossier_id: UUID,
    request: Request,
    officer: Courier,
    context: ContextDep,
    photos: PhotosDep,
    response: Response,
) -> DeliveryOutcomePublic:
    """Record that a document reached its recipient: with the receipt code, or with the
    recipient's name, relationship and a photo (multipart)."""
    body, photo = await _delivered_body(request)
    delivered = await commands.record_delivery(
        context, photos, officer, dossier_id, body.proof(), photo
    )
    return answered(response, delivered)


async def _delivered_body(request: Request) -> tuple[DeliveredRequest, Photo | None]:
    """The body as JSON, or as a form with the photo; the photo checked from its bytes."""
    kind = request.headers.get("content-type", "")
    photo: Photo | None = None
    if kind.startswith("multipart/form-data"):
        form = await request.form(max_files=1, max_fields=10)
        fields: dict[str, Any] = {}
        for name, value in form.multi_items():
            if isinstance(value, UploadFile):
                if name != "photo":
                    raise Unprocessable.field(name, "only the field `photo` may carry a file")
                photo = checked_photo(await value.read())
            elif value != "":
                fields[name] = value
    elif kind.startswith("application/json"):
        try:
            fields = await request.json()
        except ValueError:
            raise Unprocessable.field(
                "body", "the body is malformed JSON: it does not parse"
            ) from None
        if not isinstance(fields, dict):
            raise Unprocessable.field("body", "the body is a JSON object")
    else:
        raise Unprocessable.field("body", "send JSON, or multipart/form-data with a photo")
    try:
        return DeliveredRequest.model_validate(fields), photo
    except ValidationError as error:
        raise RequestValidationError(
            [{**item, "loc": ("body", *item["loc"])} for item in error.errors()]
        ) from None


@deliveries.get(
    "/deliveries/{dossier_id}/photo",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}, "image/png": {}}}},
)
async def get_delivery_photo(
    dossier_id: UUID, officer: Auditor, context: ContextDep, photos: PhotosDep
) -> Response:
    """The photo proof of a delivery (auditor), while the dossier's personal data exists."""
    photo = await commands.delivery_photo(context, photos, officer, dossier_id)
    return Response(
        photo.content,
        media_type=photo.media_type,
        headers={"X-Content-SHA256": photo.sha256, "Cache-Control": "no-store"},
    )


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
    photos: PhotosDep,
    response: Response,
) -> DeliveryOutcomePublic:
    """Record that a document could not be delivered and goes back to the office."""
    returned = await commands.record_return(
        context, officer, dossier_id, reason=body.reason, note=body.note
    )
    return answered(response, returned)


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
    return answered(response, await commands.receive_return(context, officer, dossier_id))


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


webhooks = APIRouter(tags=["webhooks"], dependencies=[READS_AFTER])


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
