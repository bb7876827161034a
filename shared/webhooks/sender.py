"""One signed webhook call, as Standard Webhooks v1 says: `webhook-id`, `webhook-timestamp`
(seconds) and `webhook-signature` (`v1,<base64 HMAC-SHA256 of id.timestamp.body>`, one per
secret in use, space-separated), signed with the `standardwebhooks` package.

Any 2xx is success. The call is not redirected (a redirect could lead anywhere the target
check would refuse): a 3xx is a failure like any other. The answer's body is never read."""

import time
from collections.abc import Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx
from standardwebhooks import Webhook

from shared.webhooks.outbox import Attempt
from shared.webhooks.targets import TargetPolicy, UnsafeTarget, checked_target

USER_AGENT = "JasaDukcapil-Webhooks/1"


def signature(message_id: str, timestamp: datetime, body: bytes, secrets: Sequence[str]) -> str:
    return " ".join(Webhook(secret).sign(message_id, timestamp, body) for secret in secrets)


def retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds a `Retry-After` header asks for (a number, or an HTTP date); None if absent
    or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - now).total_seconds(), 0.0)


def now_ms() -> int:
    return int(time.time() * 1000)


class Sender:
    def __init__(self, client: httpx.AsyncClient, policy: TargetPolicy) -> None:
        self.client, self.policy = client, policy

    async def send(self, url: str, message_id: str, body: bytes, secrets: Sequence[str]) -> Attempt:
        started = time.monotonic()
        at = datetime.now(UTC)
        at_ms = int(at.timestamp() * 1000)
        try:
            target = await checked_target(url, self.policy)
        except UnsafeTarget as refused:
            return Attempt(at_ms, None, f"refused: {refused}")
        headers = {
            "content-type": "application/json",
            "user-agent": USER_AGENT,
            "webhook-id": message_id,
            "webhook-timestamp": str(int(at.timestamp())),
            "webhook-signature": signature(message_id, at, body, secrets),
        }
        if target.host_header is not None:
            headers["host"] = target.host_header
        extensions = {"sni_hostname": target.tls_name} if target.tls_name else {}
        try:
            request = self.client.build_request(
                "POST", target.url, content=body, headers=headers, extensions=extensions
            )
            response = await self.client.send(request, stream=True)
            await response.aclose()
        except httpx.TimeoutException:
            return Attempt(at_ms, None, "no answer in time", duration_ms=_since(started))
        except httpx.HTTPError as error:
            reason = type(error).__name__
            return Attempt(at_ms, None, f"no answer: {reason}", duration_ms=_since(started))
        status = response.status_code
        failure = "" if 200 <= status < 300 else f"answered {status}"
        wait = retry_after(response.headers.get("retry-after"), at)
        return Attempt(at_ms, status, failure, wait, _since(started))


def _since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
