"""The end of the day as the office reads it: the delivery report and one control card,
as rich tables, times in WIB."""

from collections import Counter
from datetime import datetime

from rich import box
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
# Under the card rather than in a column, so that each step stays on one line at 80 columns.
SOP_STEPS = (
    "1 registration and recap (FO)",
    "2 letter drafted (Kasubbag Umum)",
    "3 letter signed (Sekretaris)",
    "4 handover and delivery (third party)",
    "5 return received (Kasubbag Umum)",
)


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
    """One file's control card: a line per step, within 80 columns; what the step numbers mean
    and the standard time go beneath it."""
    person = result.applicants.get(str(card.get("dossier_id")))
    who = f"{person.name}, " if person else ""
    steps = card.get("steps", [])
    table = Table(
        title=(
            f"Control card: {who}{card.get('document_type')} {card.get('document_number')}"
            f" ({card.get('status')})"
        ),
        title_justify="left",
        caption="\n".join(
            [
                *_reasons(steps),
                "SOP steps: " + "; ".join(SOP_STEPS) + ".",
                f"Standard time per step: {_standards(steps)}.",
                f"Dossier {card.get('dossier_id')}.",
            ]
        ),
        caption_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=(0, 1, 0, 0),
    )
    table.add_column("Step", justify="right", min_width=4)
    table.add_column("Event", min_width=18)
    table.add_column("Officer", overflow="ellipsis", no_wrap=True, max_width=25)
    table.add_column("At (WIB)", min_width=8)
    table.add_column("Took", justify="right", min_width=9)
    table.add_column("Late", min_width=4)
    for step in steps:
        table.add_row(
            str(step.get("sop_step")),
            str(step.get("event")),
            str(step.get("officer_name")),
            _wib(step.get("at")),
            _duration(step.get("elapsed_seconds")),
            "[red]late[/red]" if step.get("late") else "",
        )
    return table


def _reasons(steps: list[Json]) -> list[str]:
    """Why, for the steps that say: a flag's or a return's reason, a rejection, a fix."""
    lines = []
    for n, step in enumerate(steps, start=1):
        why = ": ".join(str(part) for part in (step.get("reason"), step.get("note")) if part)
        if why:
            lines.append(f"Line {n}, {step.get('event')}: {why}")
    return lines


def _standards(steps: list[Json]) -> str:
    """The standard once when every step has the same, else per SOP step."""
    by_step = {int(step.get("sop_step", 0)): step.get("standard_seconds") for step in steps}
    if len(set(by_step.values())) <= 1:
        return _duration(next(iter(by_step.values()), None)) or "none"
    return ", ".join(f"step {n} {_duration(by_step[n])}" for n in sorted(by_step))


def summary_lines(result: DayResult) -> list[str]:
    reasons = Counter(reason.value for reason in result.returned.values())
    rejected = result.rejected or {}
    return [
        f"Registered {len(result.applicants)} applicants; "
        f"{len(result.flagged_unsigned)} flagged on arrival (document not yet signed); "
        f"{len(result.turned_away)} walk-in turned away (document not in the registry).",
        "A flag for a data entry error was raised and resolved by correcting the address "
        f"(dossier {result.flag_resolved}).",
        f"{len(result.recaps)} recaps; {len(result.letters)} letters signed "
        + ", ".join(str(letter.get("letter_number")) for letter in result.letters)
        + f"; letter {rejected.get('letter_number')} was rejected and drafted again "
        "with what it fixed.",
        f"Delivered {len(result.delivered)}; returned {len(result.returned)} ("
        + ", ".join(f"{reason} {count}" for reason, count in reasons.most_common())
        + f"); received back {len(result.received_back)}.",
        f"At the door: {len(result.by_code)} delivered against the citizen's receipt code "
        f"({result.wrong_codes} wrong code(s) refused first), {len(result.by_photo)} with a "
        f"photo as proof; {result.attempts} failed attempt(s) before the returns.",
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
