"""`jasa demo` ends with one file's control card, read in an ordinary 80-column terminal: a
line per step, whole names, and a heading over every column, the late marks' too."""

from rich.console import Console

from services.cli.demo.day_result import DayResult
from services.cli.demo.tables import control_card_table

STEPS = [
    (1, "DocumentRegistered", "Siti Rahmawati", 10, False),
    (1, "RecapCompiled", "Siti Rahmawati", 75, True),
    (2, "LetterDrafted", "Hj. Nurhayati, S.Sos.", 3, False),
    (3, "LetterRejected", "Drs. H. Zulkarnain, M.Si.", 4000, True),
    (2, "LetterDrafted", "Hj. Nurhayati, S.Sos.", 3, False),
    (3, "LetterSigned", "Drs. H. Zulkarnain, M.Si.", 3, False),
    (4, "HandoverAccepted", "Rudi Hartono", 3, False),
    (5, "Returned", "Rudi Hartono", 725, True),
    (5, "ReturnReceived", "Hj. Nurhayati, S.Sos.", 3, False),
]
CARD = {
    "dossier_id": "7a875246-83b3-58ab-816b-c3bbcff5b864",
    "document_type": "KTP_EL",
    "document_number": "KTP-0001",
    "status": "RECEIVED_BACK",
    "steps": [
        {
            "sop_step": sop_step,
            "event": event,
            "role": "FO",
            "officer_id": "198503122010012004",
            "officer_name": name,
            "at": "2026-12-06T05:37:12.327809+00:00",
            "elapsed_seconds": elapsed,
            "standard_seconds": 60,
            "late": late,
        }
        for sop_step, event, name, elapsed, late in STEPS
    ],
}


def shown_at_80_columns() -> list[str]:
    console = Console(width=80, record=True)
    console.print(control_card_table(CARD, DayResult()))
    return [line.rstrip() for line in console.export_text().splitlines()]


def test_the_control_card_fits_80_columns_with_a_line_per_step() -> None:
    lines = shown_at_80_columns()

    assert [line for line in lines if len(line) > 80] == []
    for sop_step, event, name, _, _ in STEPS:
        assert any(
            event in line and name in line and line.split()[0] == str(sop_step) for line in lines
        )
    assert "Standard time per step: 1 m 00 s." in lines


def test_every_column_of_the_control_card_has_a_heading_the_late_marks_too() -> None:
    lines = shown_at_80_columns()
    heading = next(line for line in lines if "Event" in line)

    assert heading.split() == ["Step", "Event", "Officer", "At", "(WIB)", "Took", "Late"]
    late = [line for line in lines if line.endswith("late")]
    assert [line.split()[1] for line in late] == ["RecapCompiled", "LetterRejected", "Returned"]
    assert all(line.index("late") == heading.index("Late") for line in late)


def test_the_reasons_the_steps_give_are_shown_beneath_the_card() -> None:
    steps = [dict(step) for step in CARD["steps"]]  # type: ignore[attr-defined]
    steps[3] |= {"note": "Jumlah berkas di surat tidak sama dengan daftar rekapan."}
    steps[7] |= {"reason": "RECIPIENT_NOT_HOME", "note": "rumah kosong"}
    console = Console(width=80, record=True)
    console.print(control_card_table({**CARD, "steps": steps}, DayResult()))
    lines = [line.rstrip() for line in console.export_text().splitlines()]
    assert "Line 8, Returned: RECIPIENT_NOT_HOME: rumah kosong" in lines
    assert any(line.startswith("Line 4, LetterRejected: Jumlah berkas") for line in lines)
    assert [line for line in lines if len(line) > 80] == []
