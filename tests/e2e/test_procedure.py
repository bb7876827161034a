"""The whole JASA DUKCAPIL procedure through the four services as real processes (`jasa up`
on free ports, its own Redis, a temporary data dir): 50 dossiers of all four document types
go from the FO desk to the citizen's door or back to the office, and at the end every
service's own view, the control cards, the audit trail and the log itself agree with what
the officers did. Run with the projections in SQLite files and in PostgreSQL."""

import asyncio
import re
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from random import Random

import pytest

from services.cli.demo.applicants import applicants
from shared.vocabulary import Relationship, ReturnReason
from shared.wib import WIB
from tests.conftest import POSTGRES_ADMIN_URL
from tests.e2e.harness import JasaUp, free_port_base
from tests.e2e.office_client import (
    AUDITOR,
    COURIER,
    FO,
    KASUBBAG,
    SEKRETARIS,
    Json,
    OfficeClient,
    Officer,
    eventually,
    settled,
)
from tests.e2e.procedure_steps import (
    TYPES,
    Day,
    accept_handovers,
    compile_recaps,
    deliver_and_return,
    draft_and_sign_letters,
    receive_returns,
    register_everyone,
    resolve_one_flag,
    turn_away_what_the_registry_refuses,
    write_registry,
)

pytestmark = pytest.mark.e2e

SERVICES = ("intake", "approval", "courier", "reporting")
LETTER_NUMBER = re.compile(r"470/Dukcapil-PDIP/(\d{4})/(\d{4})")


# --- the system under test ---------------------------------------------------------------


async def _create_databases(names: list[str]) -> None:
    import asyncpg

    admin = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=3)
    try:
        for name in names:
            await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()


async def _drop_databases(names: list[str]) -> None:
    import asyncpg

    admin = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=3)
    try:
        for name in names:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def projection_settings(
    request: pytest.FixtureRequest, postgres_available: bool
) -> Iterator[dict[str, str]]:
    """Where the services keep their projections: SQLite files under the data dir (no
    setting), or a fresh PostgreSQL database per service."""
    if request.param == "sqlite":
        yield {}
        return
    if not postgres_available:
        pytest.skip(f"no PostgreSQL answers at {POSTGRES_ADMIN_URL} (set POSTGRES_URL)")
    run = uuid.uuid4().hex[:10]
    names = {service: f"jasa_e2e_{run}_{service}" for service in SERVICES}
    asyncio.run(_create_databases(list(names.values())))
    server = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield {
            f"{service.upper()}_DATABASE_URL": f"{server}/{name}" for service, name in names.items()
        }
    finally:
        asyncio.run(_drop_databases(list(names.values())))


@pytest.fixture
def system(tmp_path: Path, projection_settings: dict[str, str]) -> Iterator[JasaUp]:
    up = JasaUp(
        data_dir=tmp_path / "var",
        port_base=free_port_base(),
        output_dir=tmp_path,
        settings=projection_settings,
    )
    up.start()
    yield up
    if up.process is not None and up.process.poll() is None:
        assert up.stop() == 0
    assert up.children_left() == []


@pytest.fixture
def office(system: JasaUp) -> Iterator[OfficeClient]:
    client = OfficeClient(system)
    yield client
    client.close()


# --- what every service shows at the end --------------------------------------------------

Step = tuple[int, str, str, str, str]


def step(sop_step: int, event: str, officer: Officer) -> Step:
    return (sop_step, event, officer.role.value, officer.officer_id, officer.name)


def expected_steps(day: Day, dossier_id: str) -> list[Step]:
    """The control card of one dossier, as the officers initialled it, in SOP order."""
    desk = day.desks[dossier_id]
    steps = [step(1, "DocumentRegistered", desk)]
    if dossier_id in day.unsigned:
        steps.append(step(1, "DocumentFlagged", desk))
    if dossier_id == day.resolved:
        steps.append(step(1, "FlagResolved", day.resolved_by))
    if dossier_id == day.still_flagged:
        return steps
    steps.append(step(1, "RecapCompiled", FO))
    if day.recap_of(dossier_id)["recap_id"] == day.rejected["recap_id"]:
        steps += [step(2, "LetterDrafted", KASUBBAG), step(3, "LetterRejected", SEKRETARIS)]
    steps += [
        step(2, "LetterDrafted", KASUBBAG),
        step(3, "LetterSigned", SEKRETARIS),
        step(4, "HandoverAccepted", COURIER),
    ]
    if dossier_id in day.delivered:
        return [*steps, step(4, "Delivered", COURIER)]
    steps.append(step(5, "Returned", COURIER))
    if dossier_id in day.received_back:
        steps.append(step(5, "ReturnReceived", KASUBBAG))
    return steps


def card_steps(card: Json) -> list[Step]:
    return [
        (s["sop_step"], s["event"], s["role"], s["officer_id"], s["officer_name"])
        for s in card["steps"]
    ]


def expected_report(day: Day) -> dict[str, dict[str, int]]:
    report = {}
    for kind in TYPES:
        mine = day.of_type(kind)
        report[kind.value] = {
            "registered": len(mine),
            "in_progress": len(mine & {day.still_flagged}),
            "delivered": len(mine & set(day.delivered)),
            "returned": len(mine & set(day.returned)),
            "received_back": len(mine & set(day.received_back)),
            "failed_attempts": 0,  # this day's courier finds every door at the first try
        }
    return report


def expected_events(day: Day) -> Counter[str]:
    return Counter(
        DocumentRegistered=len(day.people),
        DocumentFlagged=len(day.unsigned),
        FlagResolved=1,
        RecapCompiled=len(TYPES),
        LetterDrafted=len(TYPES) + 1,
        LetterRejected=1,
        LetterSigned=len(TYPES),
        HandoverAccepted=len(TYPES),
        Delivered=len(day.delivered),
        Returned=len(day.returned),
        ReturnReceived=len(day.received_back),
    )


def check_intake(office: OfficeClient, day: Day) -> None:
    """Every dossier's status, and the number of the letter that carried it."""
    expected = {d: day.status_of(d) for d in day.people}

    def statuses() -> dict[str, str]:
        return {i["dossier_id"]: i["status"] for i in office.items(FO, "intake", "/dossiers")}

    assert settled(statuses, expected) == expected
    for item in office.items(FO, "intake", "/dossiers"):
        if item["dossier_id"] == day.still_flagged:
            assert item["flag_reason"] == "UNSIGNED_DOCUMENT"
            assert item["letter_number"] is None
        else:
            signed = day.signed[day.recap_of(item["dossier_id"])["recap_id"]]
            assert item["letter_number"] == signed["letter_number"]


def check_approval(office: OfficeClient, day: Day) -> None:
    """Five letters numbered 1 to 5 without a gap, one of them rejected."""
    expected = {
        letter["letter_id"]: "REJECTED"
        if letter["letter_id"] == day.rejected["letter_id"]
        else "SIGNED"
        for letter in day.drafted
    }

    def statuses() -> dict[str, str]:
        return {i["letter_id"]: i["status"] for i in office.items(KASUBBAG, "approval", "/letters")}

    assert settled(statuses, expected) == expected
    numbers = [LETTER_NUMBER.fullmatch(letter["letter_number"]) for letter in day.drafted]
    assert all(numbers)
    assert [int(n[1]) for n in numbers if n] == [1, 2, 3, 4, 5]
    assert {n[2] for n in numbers if n} == {str(datetime.now(WIB).year)}
    listed = office.items(SEKRETARIS, "approval", "/letters", status="REJECTED")
    assert [(i["letter_id"], i["rejected_by"]["name"]) for i in listed] == [
        (day.rejected["letter_id"], SEKRETARIS.name)
    ]


def check_courier(office: OfficeClient, day: Day) -> None:
    """Every handover accepted, each document where it ended; the returns list."""
    expected_handovers = {
        letter["letter_id"]: {
            d: day.status_of(d) for d in day.recaps_by_id()[recap_id]["dossier_ids"]
        }
        for recap_id, letter in day.signed.items()
    }

    def handovers() -> dict[str, dict[str, str]]:
        listed = office.items(COURIER, "courier", "/handovers", status="ACCEPTED")
        return {
            h["letter_id"]: {d["dossier_id"]: d["delivery_status"] for d in h["documents"]}
            for h in listed
        }

    assert settled(handovers, expected_handovers) == expected_handovers
    assert office.items(COURIER, "courier", "/handovers", status="READY") == []
    expected_returns = {
        d: (reason.value, d in day.received_back) for d, reason in day.returned.items()
    }

    def returns() -> dict[str, tuple[str, bool]]:
        listed = office.items(KASUBBAG, "courier", "/returns")
        return {i["dossier_id"]: (i["reason"], i["received"]) for i in listed}

    assert settled(returns, expected_returns) == expected_returns


def check_reporting(office: OfficeClient, day: Day) -> None:
    """The delivery report counts exactly what was done; every control card its steps."""
    expected = expected_report(day)

    def by_type() -> Json:
        return office.get(AUDITOR, "reporting", "/reports/deliveries")["by_document_type"]

    assert settled(by_type, expected) == expected
    totals = office.get(AUDITOR, "reporting", "/reports/deliveries")["totals"]
    assert totals == {
        column: sum(counts[column] for counts in expected.values())
        for column in (
            "registered",
            "in_progress",
            "delivered",
            "returned",
            "received_back",
            "failed_attempts",
        )
    }
    for dossier_id in day.people:
        card = office.get(KASUBBAG, "reporting", f"/control-cards/{dossier_id}")
        assert card_steps(card) == expected_steps(day, dossier_id), dossier_id
        assert card["status"] == day.status_of(dossier_id)
        times = [s["at"] for s in card["steps"]]
        assert times == sorted(times)


def check_audit_trail(office: OfficeClient, day: Day) -> None:
    """The archive holds the whole log, unchanged; the log holds exactly what was done; the
    auditor's `jasa audit verify` and `jasa audit replay` agree."""
    counts = office.event_counts()
    assert counts == expected_events(day)
    total = sum(counts.values())

    def verified() -> Json | None:
        report = office.get(AUDITOR, "reporting", "/audit/verify")
        return report if report["events_checked"] == total else None

    report = eventually(verified, "reporting to archive the whole log")
    assert report["ok"] is True, report
    assert report["first_bad_position"] is None
    assert report["not_yet_archived"] == 0
    # The auditor's commands, in a second terminal beside the running system:
    verified = office.system.run("audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert f"intact: {total} events" in verified.stdout
    replayed = office.system.run("audit", "replay")
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    assert "the live projections equal the replay" in replayed.stdout


# --- the test --------------------------------------------------------------------------


def test_fifty_dossiers_of_every_type_go_through_the_procedure_and_every_view_agrees(
    system: JasaUp, office: OfficeClient, tmp_path: Path
) -> None:
    today = datetime.now(WIB).date()
    people = applicants(50, Random(1471), today)
    walk_in = applicants(1, Random(1472), today)[0]
    assert [p.document_type for p in people[:4]] == list(TYPES)
    assert all(len([p for p in people if p.document_type is kind]) >= 3 for kind in TYPES)
    unsigned = {people[1].document_number, people[3].document_number}  # a KK and an AKTA
    loaded = system.run(
        "registry", "load", str(write_registry(tmp_path / "r.csv", people, unsigned))
    )
    assert loaded.returncode == 0, loaded.stderr
    assert "50 added" in loaded.stdout
    day = Day()

    register_everyone(office, people, day)
    assert len(day.unsigned) == 2
    turn_away_what_the_registry_refuses(office, people, walk_in)
    resolve_one_flag(office, day, tmp_path / "signed.csv")
    compile_recaps(office, day)
    draft_and_sign_letters(office, day)
    manifests = accept_handovers(office, day)
    deliver_and_return(office, manifests, day)
    receive_returns(office, day)

    assert sorted(day.returned.values()) == sorted(ReturnReason)
    assert set(day.delivered.values()) == set(Relationship)
    check_intake(office, day)
    check_approval(office, day)
    check_courier(office, day)
    check_reporting(office, day)
    check_audit_trail(office, day)
