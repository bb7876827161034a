"""`jasa demo`'s office day, played against an in-memory stand-in of the HTTP contract:
every step of the SOP is taken, in order, waiting where another service's view lags."""

from datetime import date, datetime
from random import Random

import httpx
from rich.console import Console

from services.cli.demo.api import OfficeApi
from services.cli.demo.applicants import applicants, registry
from services.cli.demo.office_day import OfficeDay
from services.cli.demo.tables import control_card_table, delivery_report_table, summary_lines
from shared.vocabulary import DocumentType
from shared.wib import WIB
from tests.unit.fake_office import fake_office

TODAY = date(2026, 11, 24)
TODAY_AT_NOON = datetime(2026, 11, 24, 12, 0, tzinfo=WIB)
SECRET = "a-secret-only-for-this-test-0123456789abcdef"


async def test_an_office_day_goes_the_whole_way_round_the_sop() -> None:
    rng = Random(11)
    people = applicants(80, rng, TODAY)
    walk_in = applicants(1, Random(12), TODAY)[0]
    rows = registry(people, rng, TODAY)
    app = fake_office({row.document_number: row.signed for row in rows})
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://office") as client:
        urls = dict.fromkeys(("intake", "approval", "courier", "reporting"), "http://office")
        api = OfficeApi(urls, SECRET, "1471", patience=10, client=client)
        result = await OfficeDay(api, people, walk_in, Random(13)).play()

    unsigned = {row.document_number for row in rows if not row.signed}
    flagged = [d for d, p in result.applicants.items() if p.document_number in unsigned]
    assert len(result.applicants) == len(people)
    assert sorted(result.flagged_unsigned) == sorted(flagged) and flagged
    assert result.turned_away == [walk_in.name]
    assert result.flag_resolved is not None
    assert {recap["document_type"] for recap in result.recaps} == set(DocumentType)

    recapped = {d for recap in result.recaps for d in recap["dossier_ids"]}
    assert recapped == set(result.applicants) - set(flagged)
    assert result.rejected is not None
    signed_numbers = {letter["letter_number"] for letter in result.letters}
    assert len(result.letters) == len(result.recaps)
    assert result.rejected["letter_number"] not in signed_numbers

    assert set(result.delivered) | set(result.returned) == recapped
    assert len(result.returned) >= 2
    assert len(result.received_back) == len(result.returned) - 1
    assert result.report["totals"]["delivered"] == len(result.delivered)
    # No file of sent messages here: every delivery is proven with a photo.
    assert sorted(result.by_photo) == sorted(result.delivered) and result.by_code == []
    assert result.attempts >= len(result.returned)
    assert result.control_card["status"] == "RECEIVED_BACK"
    assert app.state.calls["GET recaps"] > len(result.recaps)  # it waited for approval's view

    console = Console(record=True, width=160)
    console.print(delivery_report_table(result.report, TODAY_AT_NOON))
    console.print(control_card_table(result.control_card, result))
    for line in summary_lines(result):
        console.print(line)
    shown = console.export_text()
    assert "Delivery report, 24 November 2026" in shown
    assert "KTP_EL" in shown and "Received back" in shown
    assert "SOP steps: 1 registration and recap (FO)" in shown
    assert f"Delivered {len(result.delivered)}" in shown
