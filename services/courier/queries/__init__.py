"""What the courier service shows: handovers with their manifest, returned documents, the
answers to its commands, and how its webhooks fare. One module each: `handovers`,
`deliveries`, `webhooks`.
Read from the projection (eventually consistent; webhooks from their own records in Redis)
and always of one office, the officer's; no NIK is ever part of it."""

from services.courier.queries.deliveries import (
    AttemptPublic,
    CourierDocumentPublic,
    DeliveryOutcomePublic,
    DoorAttemptPublic,
    OutForDeliveryPublic,
    ReturnPublic,
    courier_document,
    returns,
)
from services.courier.queries.handovers import (
    AcceptedHandoverPublic,
    DocumentPublic,
    HandoverPublic,
    HandoverStatus,
    handover_of,
    handover_public,
    handovers,
    handovers_on_round,
    ready_manifest,
    recap_dossiers,
)
from services.courier.queries.webhooks import (
    FailedWebhookPublic,
    WebhookEndpointPublic,
    endpoint_public,
    failed_public,
    failed_webhooks,
    webhook_endpoints,
)

__all__ = [
    "AcceptedHandoverPublic",
    "AttemptPublic",
    "CourierDocumentPublic",
    "DeliveryOutcomePublic",
    "DocumentPublic",
    "DoorAttemptPublic",
    "FailedWebhookPublic",
    "HandoverPublic",
    "HandoverStatus",
    "OutForDeliveryPublic",
    "ReturnPublic",
    "WebhookEndpointPublic",
    "courier_document",
    "endpoint_public",
    "failed_public",
    "failed_webhooks",
    "handover_of",
    "handover_public",
    "handovers",
    "handovers_on_round",
    "ready_manifest",
    "recap_dossiers",
    "returns",
    "webhook_endpoints",
]
