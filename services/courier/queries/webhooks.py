"""How the office's webhooks fare, for the screens: its endpoints, and the messages that
used all their attempts (read from their own records in Redis)."""

from datetime import datetime

from pydantic import BaseModel

from shared.http.pagination import Page, cursor_number, encode_cursor
from shared.webhooks.endpoints import Endpoint, as_time
from shared.webhooks.office import OfficeWebhooks
from shared.webhooks.outbox import Message
from shared.wib import to_wib


class WebhookEndpointPublic(BaseModel):
    endpoint_id: str
    url: str
    events: list[str]  # empty: every event
    description: str
    created_at: datetime
    enabled: bool
    disabled_at: datetime | None
    disabled_reason: str
    failing_since: datetime | None


class FailedWebhookPublic(BaseModel):
    message_id: str  # its `webhook-id`: `jasa webhooks replay` takes it
    endpoint_id: str
    type: str
    created_at: datetime
    attempts: int
    failed_at: datetime | None
    last_status: int | None
    last_error: str


def _wib(milliseconds: int | None) -> datetime | None:
    moment = as_time(milliseconds)
    return to_wib(moment) if moment is not None else None


def endpoint_public(endpoint: Endpoint) -> WebhookEndpointPublic:
    return WebhookEndpointPublic(
        endpoint_id=endpoint.id,
        url=endpoint.url,
        events=list(endpoint.events),
        description=endpoint.description,
        created_at=to_wib(as_time(endpoint.created_ms) or datetime.min),
        enabled=endpoint.enabled,
        disabled_at=_wib(endpoint.disabled_ms),
        disabled_reason=endpoint.disabled_reason,
        failing_since=_wib(endpoint.failing_since_ms),
    )


def failed_public(message: Message) -> FailedWebhookPublic:
    return FailedWebhookPublic(
        message_id=message.id,
        endpoint_id=message.endpoint_id,
        type=message.type,
        created_at=to_wib(as_time(message.created_ms) or datetime.min),
        attempts=message.attempts,
        failed_at=_wib(message.failed_ms),
        last_status=message.last_status,
        last_error=message.last_error,
    )


async def webhook_endpoints(webhooks: OfficeWebhooks) -> Page[WebhookEndpointPublic]:
    """The office's endpoints, the disabled ones with when and why."""
    endpoints = await webhooks.endpoints.all()
    return Page(items=[endpoint_public(endpoint) for endpoint in endpoints], next=None)


async def failed_webhooks(
    webhooks: OfficeWebhooks, cursor: str | None, limit: int
) -> Page[FailedWebhookPublic]:
    """Messages that used all their attempts, oldest first, for a replay."""
    after = cursor_number(cursor)
    found = await webhooks.outbox.failed_messages(after_ms=after, limit=limit + 1)
    page = found[:limit]
    more = len(found) > limit
    return Page(
        items=[failed_public(message) for message in page],
        next=encode_cursor(str(page[-1].created_ms)) if more and page else None,
    )
