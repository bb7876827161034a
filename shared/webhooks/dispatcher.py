"""The loop that delivers an office's due webhook messages, run by each process of the
service that owns them. Claims are atomic and leased (`Outbox.claim_due`), so several
processes share the work and a message a dead process held is sent again after its lease.

Each claimed message is sent in a task of its own, at most `concurrency` at once, so that
one slow endpoint does not hold up the others. After each attempt:
- 2xx: delivered; the endpoint is no longer failing;
- 410 Gone: the endpoint is disabled, and its messages fail until it is enabled again;
- anything else (no answer in time, refused, another status): tried again on the
  schedule, never sooner than `Retry-After`; after the last attempt the message is failed
  and listed for a replay. An endpoint that has failed without a success for
  `disable_after_s` is disabled, and the office is told (a notice, and the log)."""

import asyncio
import contextlib
import logging

import httpx
from redis.exceptions import RedisError

from shared.webhooks.endpoints import Endpoint, Endpoints
from shared.webhooks.notices import Notices
from shared.webhooks.outbox import Message, Outbox
from shared.webhooks.policy import DeliveryPolicy
from shared.webhooks.sender import Sender, now_ms
from shared.webhooks.targets import TargetPolicy

log = logging.getLogger("jasa.webhooks")


class Dispatcher:
    def __init__(
        self,
        outbox: Outbox,
        endpoints: Endpoints,
        notices: Notices,
        policy: DeliveryPolicy,
        targets: TargetPolicy,
    ) -> None:
        self.outbox, self.endpoints, self.notices = outbox, endpoints, notices
        self.policy, self.targets = policy, targets
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._sending: set[asyncio.Task[None]] = set()
        self._client: httpx.AsyncClient | None = None

    async def start(self) -> None:
        # Redirects are not followed: a 3xx could point where the target check refuses.
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(self.policy.timeout_s), follow_redirects=False
        )
        self._task = asyncio.create_task(self._run(), name=f"webhooks-{self.outbox.keys.office}")

    async def stop(self) -> None:
        """Stop claiming; calls in flight are cut off, and their messages are sent again
        (same `webhook-id`) once their lease runs out."""
        # The loop is let go rather than cancelled: a cancel that lands in redis-py's
        # blocking BLPOP can leave the task hanging. Woken, it ends within `poll_s`.
        self._stopping = True
        if self._task is not None:
            with contextlib.suppress(RedisError, OSError):
                await self.outbox.wake_up()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._task), self.policy.poll_s + 2)
        tasks = [task for task in (self._task, *self._sending) if task is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._client is not None:
            await self._client.aclose()

    async def _run(self) -> None:
        sender = Sender(self._client or httpx.AsyncClient(), self.targets)
        slots = asyncio.Semaphore(self.policy.concurrency)
        while not self._stopping:
            try:
                claimed = await self._claim(slots)
                for message in claimed:
                    await slots.acquire()
                    task = asyncio.create_task(self._deliver(sender, message, slots))
                    self._sending.add(task)
                    task.add_done_callback(self._sending.discard)
                if not claimed and not self._stopping:
                    await self.outbox.wait_for_work(await self._idle_s())
            except (RedisError, OSError) as error:
                log.warning(
                    "webhooks of office %s wait for Redis: %r", self.outbox.keys.office, error
                )
                await asyncio.sleep(self.policy.poll_s)

    async def _claim(self, slots: asyncio.Semaphore) -> list[Message]:
        free = self.policy.concurrency - len(self._sending)
        if free <= 0:
            await asyncio.sleep(0.01)
            return []
        lease_ms = int(self.policy.lease_s * 1000)
        return await self.outbox.claim_due(now_ms(), lease_ms, free)

    async def _idle_s(self) -> float:
        """How long to wait for new work: until the next message falls due, at most `poll_s`."""
        due = await self.outbox.next_due_ms()
        if due is None:
            return self.policy.poll_s
        return min(max((due - now_ms()) / 1000, 0.01), self.policy.poll_s)

    async def _deliver(self, sender: Sender, message: Message, slots: asyncio.Semaphore) -> None:
        try:
            await self._attempt(sender, message)
        except (RedisError, OSError) as error:
            # Its lease runs out and it is claimed again: nothing is lost.
            log.warning("webhook message %s not recorded: %r", message.id, error)
        except Exception:
            log.exception("webhook message %s could not be handled", message.id)
        finally:
            slots.release()

    async def _attempt(self, sender: Sender, message: Message) -> None:
        endpoint = await self.endpoints.get(message.endpoint_id)
        if endpoint is None:
            await self.outbox.discard(message)
            return
        if not endpoint.enabled:
            reason = f"endpoint disabled: {endpoint.disabled_reason}"
            await self.outbox.not_sendable(message, reason, now_ms())
            return
        secrets = await self.endpoints.signing_secrets(endpoint.id, now_ms())
        attempt = await sender.send(endpoint.url, message.id, self.outbox.body_of(message), secrets)
        if attempt.succeeded:
            await self.outbox.delivered(message, attempt, self.policy.retention_s)
            if endpoint.failing_since_ms is not None:
                await self.endpoints.succeeded(endpoint.id)
            return
        if attempt.status == 410:
            await self.outbox.failed(message, attempt, attempt.at_ms)
            await self._disable(endpoint, "the receiver answered 410 Gone", attempt.at_ms)
            return
        delay = self.policy.next_delay(message.attempts + 1, attempt.retry_after_s)
        if delay is None:
            await self.outbox.failed(message, attempt, attempt.at_ms)
            log.warning(
                "webhook message %s to endpoint %s failed after %d attempts: %s",
                message.id,
                endpoint.id,
                message.attempts + 1,
                attempt.error,
            )
        else:
            await self.outbox.retry(message, attempt, attempt.at_ms + int(delay * 1000))
        since = await self.endpoints.failing(endpoint.id, attempt.at_ms)
        if self.policy.gives_up_on((attempt.at_ms - since) / 1000):
            days = self.policy.disable_after_s / 86400
            await self._disable(
                endpoint, f"it failed for {days:g} days without a success", attempt.at_ms
            )

    async def _disable(self, endpoint: Endpoint, reason: str, at_ms: int) -> None:
        if await self.endpoints.disable(endpoint.id, reason, at_ms):
            await self.notices.endpoint_disabled(endpoint, reason, at_ms)
            log.warning("webhook endpoint %s disabled: %s", endpoint.id, reason)
