"""The end of the day as the office reads it: the delivery report and one control card,
as rich tables, times in WIB."""

from collections import Counter
from datetime import datetime

from rich.table import Table

from services.cli.demo.api import Json
from services.cli.demo.day_result import DayResult
from services.cli.demo.office_day import TYPES
from shared.wib import tanggal, to_wib

COLUMNS = (
    ("registered", "Registered"),
    ("in_progress", "In progress"),
    ("delivered", "Delivered"),
    ("returned", "Returned"),
    ("received_back", "Received back"),
)
SOP_STEPS = {
    1: "1 Registration, recap (FO)",
    2: "2 Letter drafted (Kasubbag Umum)",
    3: "3 Letter signed (Sekretaris)",
    4: "4 Handover, delivery (third party)",
    5: "5 Return received (Kasubbag Umum)",
}


def delivery_report_table(report: Json, today: datetime) -> Table:
    table = Table(title=f"Delivery report, {tanggal(today)}", title_justify="left")
    table.add_column("Document")
    for _, label in COLUMNS:
        table.add_column(label, justify="right")
    by_type = report.get("by_document_type", {})
    for kind in [*TYPES, *(k for k in by_type if k not in TYPES)]:
        counts = by_type.get(str(kind), {})
        table.add_row(str(kind), *(str(counts.get(key, 0)) for key, _ in COLUMNS))
    totals = report.get("totals", {})
    table.add_section()
    table.add_row("Total", *(str(totals.get(key, 0)) for key, _ in COLUMNS), style="bold")
    return table


def control_card_table(card: Json, result: DayResult) -> Table:
    person = result.applicants.get(str(card.get("dossier_id")))
    who = f"{person.name}, " if person else ""
    table = Table(
        title=(
            f"Control card: {who}{card.get('document_type')} {card.get('document_number')}"
            f" ({card.get('status')})"
        ),
        title_justify="left",
        caption=f"dossier {card.get('dossier_id')}",
    )
    for column in ("SOP step", "Event", "Officer", "At (WIB)", "Took", "Standard", ""):
        table.add_column(column)
    for step in card.get("steps", []):
        officer = f"{step.get('officer_name')} ({step.get('role')})"
        late = "[red]late[/red]" if step.get("late") else ""
        table.add_row(
            SOP_STEPS.get(int(step.get("sop_step", 0)), str(step.get("sop_step"))),
            str(step.get("event")),
            officer,
            _wib(step.get("at")),
            _duration(step.get("elapsed_seconds")),
            _duration(step.get("standard_seconds")),
            late,
        )
    return table


def summary_lines(result: DayResult) -> list[str]:
    reasons = Counter(reason.value for reason in result.returned.values())
    rejected = result.rejected or {}
    return [
        f"Registered {len(result.applicants)} applicants; "
        f"{len(result.flagged_unsigned)} flagged on arrival (document not yet signed); "
        f"{len(result.turned_away)} walk-in turned away (document not in the registry).",
        f"A flag for a data entry error was raised and resolved (dossier {result.flag_resolved}).",
        f"{len(result.recaps)} recaps; {len(result.letters)} letters signed "
        + ", ".join(str(letter.get("letter_number")) for letter in result.letters)
        + f"; letter {rejected.get('letter_number')} was rejected and drafted again.",
        f"Delivered {len(result.delivered)}; returned {len(result.returned)} ("
        + ", ".join(f"{reason} {count}" for reason, count in reasons.most_common())
        + f"); received back {len(result.received_back)}.",
    ]


def _wib(value: object) -> str:
    if not value:
        return ""
    moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return f"{to_wib(moment):%H:%M:%S}"


def _duration(seconds: object) -> str:
    if seconds is None:
        return ""
    total = int(float(str(seconds)))
    minutes, rest = divmod(total, 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours} h {minutes:02d} m"
    return f"{minutes} m {rest:02d} s" if minutes else f"{rest} s"
