"""Failed delivery attempts, as the reporting service shows them: on the control card (SOP
step 4), in the delivery report (JSON, CSV) and in the delay report, per courier."""

import csv
import io
from datetime import UTC, datetime, timedelta

from services.reporting.main import create_app
from shared.vocabulary import AttemptReason, DocumentType
from tests.conftest import running, token_for
from tests.integration.courier_support import get_until
from tests.sop_history import COURIER, Office

T0 = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)  # 08:00 WIB
AUDITOR = token_for("AUDITOR", officer_id="auditor-1", name="Budi Auditor")


async def test_attempts_show_on_the_card_and_in_the_delivery_and_delay_reports(
    service_env: dict[str, str], office: Office
) -> None:
    kept, tried = await office.register(at=T0), await office.register(at=T0, name="Joko Susilo")
    kk = await office.register(DocumentType.KK, at=T0)
    letter = await office.draft(await office.recap([kept, tried], at=T0 + timedelta(minutes=1)))
    await office.sign(letter)
    await office.accept(letter, at=T0 + timedelta(hours=1))
    await office.attempt(tried, letter, 1, at=T0 + timedelta(hours=2))
    await office.attempt(
        tried, letter, 2, AttemptReason.RECIPIENT_MOVED, at=T0 + timedelta(hours=5)
    )
    await office.return_(tried, letter, at=T0 + timedelta(hours=6))
    await office.attempt(kept, letter, 1, AttemptReason.ADDRESS_NOT_FOUND)
    await office.deliver(kept, letter)
    assert kk

    async with running(create_app()) as client:
        card = await get_until(
            client,
            f"/control-cards/{tried}",
            AUDITOR,
            lambda r: r.status_code == 200 and r.json()["status"] == "RETURNED",
            "the returned file's card",
        )
        report = (await client.get("/reports/deliveries", headers=AUDITOR)).json()
        as_csv = await client.get("/reports/deliveries?format=csv", headers=AUDITOR)
        delays = (await client.get("/reports/delays", headers=AUDITOR)).json()

    steps = [(s["sop_step"], s["event"]) for s in card.json()["steps"]]
    assert steps[-3:] == [
        (4, "DeliveryAttemptFailed"),
        (4, "DeliveryAttemptFailed"),
        (5, "Returned"),
    ]
    attempts = card.json()["attempts"]
    assert [(a["attempt"], a["reason"]) for a in attempts] == [
        (1, "RECIPIENT_NOT_HOME"),
        (2, "RECIPIENT_MOVED"),
    ]
    assert attempts[1]["at"] == "2026-11-24T13:00:00+07:00"
    assert attempts[0]["officer_name"] == COURIER.name

    assert report["by_document_type"]["KTP_EL"]["failed_attempts"] == 3
    assert report["by_document_type"]["KK"]["failed_attempts"] == 0
    assert report["totals"]["failed_attempts"] == 3
    rows = {row["document_type"]: row for row in csv.DictReader(io.StringIO(as_csv.text))}
    assert rows["KTP_EL"]["failed_attempts"] == rows["TOTAL"]["failed_attempts"] == "3"

    assert delays["attempts"] == [
        {
            "officer_id": COURIER.officer_id,
            "officer_name": COURIER.name,
            "failed_attempts": 3,
            "by_reason": {"ADDRESS_NOT_FOUND": 1, "RECIPIENT_MOVED": 1, "RECIPIENT_NOT_HOME": 1},
        }
    ]
