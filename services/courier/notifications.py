"""Messages to the citizen, in Bahasa Indonesia, sent from the log through an outbox.

The courier's consumer puts one row per event that calls for a message (registration,
out for delivery, delivered, returned) into `courier_notification`, in the transaction that
applies the event: once per event, however often it is delivered. The sender, a task of
every courier process, sends what is due and marks it sent; a message the gateway does not
take is tried again later (waits doubling up to `JASA_NOTIFY_RETRY_MAX_S`), never dropped,
and the procedure never waits for it. Processes share the outbox through a lease on each
row, and each message carries its event's id, the same on every try, for the gateway.

A row holds no personal data: the phone number and the tracking code are read from the
read model when the message is sent, and the receipt code from the (sealed) event in the
log. An erased dossier's messages are dropped unsent."""

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta
from uuid import UUID

from sqlalchemy import BigInteger, DateTime, update
from sqlmodel import Field, SQLModel, col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.courier.config import Context
from services.courier.notifier import Message, Notifier, NotSent, notifier_from
from services.courier.projections import CourierDossier, order_of
from shared.events import (
    Delivered,
    DocumentRegistered,
    Envelope,
    EventData,
    OutForDelivery,
    Returned,
)
from shared.privacy import ERASED
from shared.settings import CommonSettings
from shared.tracking import shown_tracking_code
from shared.vocabulary import DOCUMENT_TYPE_NAMES, DocumentType
from shared.wib import tanggal_jam

log = logging.getLogger("jasa.notifications")

KINDS: dict[type[EventData], str] = {
    DocumentRegistered: "registered",
    OutForDelivery: "out_for_delivery",
    Delivered: "delivered",
    Returned: "returned",
}
LEASE_S = 60.0  # a process that took a row and died leaves it to another after this
FIRST_RETRY_S = 2.0
BATCH = 20


class CourierNotification(SQLModel, table=True):
    """One message to send: what it is about, and how far sending it got."""

    __tablename__ = "courier_notification"
    office: str = Field(primary_key=True, max_length=8)
    event_id: str = Field(primary_key=True, max_length=36)
    position: str = Field(max_length=40)
    log_order: int = Field(index=True, sa_type=BigInteger)
    dossier_id: str = Field(max_length=36)
    kind: str = Field(max_length=20)
    tries: int = 0
    due_at: datetime = Field(index=True, sa_type=DateTime(timezone=True))
    leased_until: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    sent_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    dropped: str | None = Field(default=None, max_length=100)  # why it will never be sent
    last_error: str | None = Field(default=None, max_length=200)


async def enqueue_notification(session: AsyncSession, event: Envelope) -> None:
    """The event's message into the outbox (inside the consumer's transaction), if it calls
    for one."""
    kind = KINDS.get(type(event.data))
    if kind is None or event.position is None:
        return
    if await session.get(CourierNotification, (event.office, str(event.event_id))) is not None:
        return
    dossier_id: UUID = getattr(event.data, "dossier_id")  # noqa: B009
    session.add(
        CourierNotification(
            office=event.office,
            event_id=str(event.event_id),
            position=event.position,
            log_order=order_of(event.position),
            dossier_id=str(dossier_id),
            kind=kind,
            due_at=event.occurred_at,
        )
    )


def compose(
    settings: CommonSettings, kind: str, dossier: CourierDossier, event: Envelope
) -> tuple[str, dict[str, str]]:
    """The text of one message and its parts (for a gateway's templates)."""
    assert dossier.document_type is not None, "a dossier with a message is registered"
    document = DOCUMENT_TYPE_NAMES[DocumentType(dossier.document_type)]
    code = dossier.tracking_code or ""
    params = {
        "document": document,
        "tracking_code": shown_tracking_code(code) if code else "",
        "tracking_link": settings.tracking_link(code) if code else "",
    }
    follow = f" Lacak: {params['tracking_link']}" if code else ""
    match event.data:
        case DocumentRegistered():
            shown = f" Kode lacak {params['tracking_code']}." if code else ""
            text = (
                f"Dukcapil: permohonan pengantaran {document} Anda sudah terdaftar.{shown}{follow}"
            )
        case OutForDelivery(receipt_code=receipt_code):
            params["receipt_code"] = receipt_code
            text = (
                f"Dukcapil: {document} Anda sedang diantar kurir. Kode terima: {receipt_code}. "
                f"Berikan kode ini hanya kepada kurir saat dokumen diserahkan.{follow}"
            )
        case Delivered():
            params["at"] = tanggal_jam(event.occurred_at)
            text = (
                f"Dukcapil: {document} Anda telah diserahkan pada {params['at']}. Bila bukan "
                f"Anda atau keluarga yang menerimanya, hubungi kantor Dukcapil.{follow}"
            )
        case Returned():
            params["office_address"] = settings.office_address
            params["office_hours"] = settings.office_hours
            text = (
                f"Dukcapil: {document} Anda belum dapat diantar dan dibawa kembali ke kantor. "
                f"Silakan ambil di {settings.office_address}, {settings.office_hours}, mulai "
                "hari kerja berikutnya, dengan membawa identitas dan kode lacak."
                f"{follow}"
            )
        case _:
            raise ValueError(f"no message for {event.type}")
    return text, params


class NotificationSender:
    """Sends the outbox's due messages, in log order, until stopped."""

    def __init__(self, context: Context, notifier: Notifier, idle_s: float = 0.5) -> None:
        self.context, self.notifier, self.idle_s = context, notifier, idle_s
        self.retry_max_s = context.settings.notify_retry_max_s
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="courier-notifications")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.notifier.aclose()

    async def _run(self) -> None:
        while True:
            try:
                handled = await self.send_due()
            except Exception as error:  # the database or Redis away: try again shortly
                log.warning("notifications: the outbox could not be read (%r)", error)
                handled = 0
            if handled < BATCH:
                await asyncio.sleep(self.idle_s)

    async def send_due(self) -> int:
        """Send what is due now; how many rows were handled (sent, failed or dropped)."""
        now = datetime.now(UTC)
        async with self.context.sessions() as session:
            rows = await session.exec(
                select(CourierNotification)
                .where(
                    col(CourierNotification.sent_at).is_(None),
                    col(CourierNotification.dropped).is_(None),
                    CourierNotification.due_at <= now,
                    or_(
                        col(CourierNotification.leased_until).is_(None),
                        col(CourierNotification.leased_until) < now,
                    ),
                )
                .order_by(col(CourierNotification.log_order))
                .limit(BATCH)
            )
            due = [(row.office, row.event_id) for row in rows.all()]
        handled = 0
        for office, event_id in due:
            if await self._lease(office, event_id, now):
                await self._send_one(office, event_id)
                handled += 1
        return handled

    async def _lease(self, office: str, event_id: str, now: datetime) -> bool:
        """Take the row for this process for a while; False if another process has it."""
        async with self.context.sessions() as session:
            taken = await session.exec(  # type: ignore[call-overload]
                update(CourierNotification)
                .where(
                    col(CourierNotification.office) == office,
                    col(CourierNotification.event_id) == event_id,
                    col(CourierNotification.sent_at).is_(None),
                    or_(
                        col(CourierNotification.leased_until).is_(None),
                        col(CourierNotification.leased_until) < now,
                    ),
                )
                .values(leased_until=now + timedelta(seconds=LEASE_S))
            )
            await session.commit()
        return bool(taken.rowcount)

    async def _send_one(self, office: str, event_id: str) -> None:
        async with self.context.sessions() as session:
            row = await session.get(CourierNotification, (office, event_id))
            assert row is not None
            message, dropped = await self._message(session, row)
            if message is None:
                row.dropped, row.leased_until = dropped, None
                await session.commit()
                return
            try:
                await self.notifier.send(message)
            except NotSent as error:
                row.tries += 1
                wait_s = min(FIRST_RETRY_S * 2 ** (row.tries - 1), self.retry_max_s)
                row.due_at = datetime.now(UTC) + timedelta(seconds=wait_s)
                row.last_error, row.leased_until = str(error)[:200], None
                log.warning(
                    "notification %s (%s) of dossier %s not sent on try %d: %s; next try in %.0f s",
                    row.event_id,
                    row.kind,
                    row.dossier_id,
                    row.tries,
                    error,
                    wait_s,
                )
            else:
                row.tries += 1
                row.sent_at, row.leased_until, row.last_error = datetime.now(UTC), None, None
            await session.commit()

    async def _message(
        self, session: AsyncSession, row: CourierNotification
    ) -> tuple[Message | None, str]:
        """The message of a row, or None and why it will never be sent."""
        dossier = await session.get(CourierDossier, (row.office, row.dossier_id))
        if dossier is None or dossier.phone is None or dossier.document_type is None:
            return None, "the dossier is not known to the courier"
        if dossier.phone == ERASED:
            return None, "the dossier's personal data was erased"
        event = await self.context.log_for(row.office).at(row.position)
        if event is None or str(event.event_id) != row.event_id:
            return None, "its event is not in the log"
        if isinstance(event.data, OutForDelivery) and event.data.receipt_code == ERASED:
            return None, "the dossier's personal data was erased"
        text, params = compose(self.context.settings, row.kind, dossier, event)
        message = Message(row.event_id, dossier.phone, row.kind, text, params, row.dossier_id)
        return message, ""


class Notifications:
    """The sender of one courier app, started and stopped with it."""

    def __init__(self) -> None:
        self.sender: NotificationSender | None = None

    async def start(self, context: Context) -> None:
        self.sender = NotificationSender(context, notifier_from(context.settings))
        self.sender.start()

    async def stop(self, context: Context) -> None:
        if self.sender is not None:
            await self.sender.stop()
