"""The whole JASA DUKCAPIL procedure through the four services as real processes (`jasa up`
on free ports, its own Redis, a temporary data dir): 50 dossiers of all four document types
go from the FO desk to the citizen's door or back to the office, and at the end every
service's own view, the control cards, the audit trail and the log itself agree with what
the officers did. Run with the projections in SQLite files and in PostgreSQL."""

import asyncio
import csv
import re
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from random import Random
from typing import Any

import pytest

from services.cli.demo.applicants import Applicant, applicants
from shared.vocabulary import DocumentType, Relationship, ReturnReason
from shared.wib import WIB
from tests.conftest import POSTGRES_ADMIN_URL
from tests.e2e.harness import JasaUp, free_port_base
from tests.e2e.office_client import (
    AUDITOR,
    COURIER,
    FO,
    FO_2,
    KASUBBAG,
    SEKRETARIS,
    Json,
    OfficeClient,
    Officer,
    eventually,
    settled,
)

pytestmark = pytest.mark.e2e

SERVICES = ("intake", "approval", "courier", "reporting")
TYPES = (DocumentType.KTP_EL, DocumentType.KK, DocumentType.KIA, DocumentType.AKTA)
LETTER_NUMBER = re.compile(r"470/Dukcapil-PDIP/(\d{4})/(\d{4})")
RETURN_REASONS = list(ReturnReason)  # five returns, each for a different reason
RELATIONSHIPS = list(Relationship)


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


# --- what the officers did, to check every view against ----------------------------------


@dataclass
class Day:
    people: dict[str, Applicant] = field(default_factory=dict)  # by dossier id
    desks: dict[str, Officer] = field(default_factory=dict)  # who registered each
    unsigned: list[str] = field(default_factory=list)  # came back FLAGGED
    resolved: str = ""  # the unsigned one whose flag was resolved
    recaps: dict[DocumentType, Json] = field(default_factory=dict)
    drafted: list[Json] = field(default_factory=list)  # every letter, in drafting order
    rejected: Json = field(default_factory=dict)
    signed: dict[str, Json] = field(default_factory=dict)  # by recap id
    delivered: dict[str, Relationship] = field(default_factory=dict)
    returned: dict[str, ReturnReason] = field(default_factory=dict)
    received_back: list[str] = field(default_factory=list)

    def of_type(self, kind: DocumentType) -> set[str]:
        return {d for d, person in self.people.items() if person.document_type is kind}

    @property
    def still_flagged(self) -> str:
        (dossier_id,) = set(self.unsigned) - {self.resolved}
        return dossier_id

    def status_of(self, dossier_id: str) -> str:
        if dossier_id in self.delivered:
            return "DELIVERED"
        if dossier_id in self.received_back:
            return "RECEIVED_BACK"
        if dossier_id in self.returned:
            return "RETURNED"
        assert dossier_id == self.still_flagged
        return "FLAGGED"

    def recap_of(self, dossier_id: str) -> Json:
        return next(r for r in self.recaps.values() if dossier_id in r["dossier_ids"])

    def recaps_by_id(self) -> dict[str, Json]:
        return {recap["recap_id"]: recap for recap in self.recaps.values()}


def write_registry(path: Path, people: list[Applicant], unsigned: set[str]) -> Path:
    """The population registry of today's documents, two of them not yet signed."""
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["document_number", "document_type", "nik", "name", "signed"])
        for person in people:
            signed = "false" if person.document_number in unsigned else "true"
            writer.writerow(
                [person.document_number, person.document_type, person.nik, person.name, signed]
            )
    return path


def registration(person: Applicant) -> Json:
    return {
        "nik": person.nik,
        "name": person.name,
        "address": person.address,
        "phone": person.phone,
        "document_type": person.document_type.value,
        "document_number": person.document_number,
    }


# --- the procedure, step by step of the SOP ----------------------------------------------


def register_everyone(office: OfficeClient, people: list[Applicant], day: Day) -> None:
    """Two FO desks at work at the same time, each with its half of the queue."""

    def desk_at_work(desk: Officer, queue: list[Applicant]) -> None:
        for person in queue:
            dossier = office.post(desk, "intake", "/dossiers", registration(person), expect=201)
            day.people[dossier["dossier_id"]] = person
            day.desks[dossier["dossier_id"]] = desk
            if dossier["status"] == "FLAGGED":
                assert dossier["flag_reason"] == "UNSIGNED_DOCUMENT"
                day.unsigned.append(dossier["dossier_id"])
            else:
                assert dossier["status"] == "REGISTERED"

    at_once(desk_at_work, [(FO, people[0::2]), (FO_2, people[1::2])])


def at_once(work: Callable[..., None], calls: list[tuple[Any, ...]]) -> None:
    """Officers working at the same time (threads); the first failure is raised."""
    with ThreadPoolExecutor(len(calls)) as pool:
        for done in [pool.submit(work, *arguments) for arguments in calls]:
            done.result()


def resolve_one_flag(office: OfficeClient, day: Day) -> None:
    """The unsigned KK is signed after all; the unsigned AKTA stays held back."""
    (day.resolved,) = (d for d in day.unsigned if day.people[d].document_type is DocumentType.KK)
    resolved = office.post(
        FO,
        "intake",
        f"/dossiers/{day.resolved}/flags/resolve",
        {"note": "Sudah ditandatangani pejabat; berkas boleh dikirim."},
    )
    assert resolved["status"] == "REGISTERED"


def compile_recaps(office: OfficeClient, day: Day) -> None:
    """A recap per type, once intake's list shows every waiting dossier of that type."""
    for kind in TYPES:
        waiting = day.of_type(kind) - {day.still_flagged}

        def all_listed(kind: DocumentType = kind, waiting: set[str] = waiting) -> bool:
            items = office.items(FO, "intake", "/dossiers", status="REGISTERED", document_type=kind)
            return waiting <= {item["dossier_id"] for item in items}

        eventually(all_listed, f"intake to list every waiting {kind} dossier")
        recap = office.post(FO, "intake", "/recaps", {"document_type": kind}, expect=201)
        assert set(recap["dossier_ids"]) == waiting
        day.recaps[kind] = recap


def draft_and_sign_letters(office: OfficeClient, day: Day) -> None:
    """A letter per recap; the Sekretaris rejects the KK one, which is drafted again."""
    for kind, recap in day.recaps.items():
        recap_id = recap["recap_id"]
        awaiting_letter(office, recap_id)
        letter = draft(office, recap_id, day)
        if kind is DocumentType.KK:
            rejected = office.post(
                SEKRETARIS,
                "approval",
                f"/letters/{letter['letter_id']}/reject",
                {"reason": "Jumlah berkas di surat tidak sama dengan daftar rekapan."},
            )
            assert rejected["status"] == "REJECTED"
            day.rejected = rejected
            awaiting_letter(office, recap_id)
            letter = draft(office, recap_id, day)
        signed = office.post(SEKRETARIS, "approval", f"/letters/{letter['letter_id']}/sign")
        assert signed["status"] == "SIGNED"
        assert signed["letter_number"] == letter["letter_number"]
        day.signed[recap_id] = signed


def awaiting_letter(office: OfficeClient, recap_id: str) -> None:
    def listed() -> bool:
        items = office.items(KASUBBAG, "approval", "/recaps", status="AWAITING_LETTER")
        return any(item["recap_id"] == recap_id for item in items)

    eventually(listed, f"approval to list recap {recap_id} as awaiting its letter")


def draft(office: OfficeClient, recap_id: str, day: Day) -> Json:
    letter = office.post(KASUBBAG, "approval", "/letters", {"recap_id": recap_id}, expect=201)
    assert letter["status"] == "AWAITING_SIGNATURE"
    day.drafted.append(letter)
    return letter


def accept_handovers(office: OfficeClient, day: Day) -> list[Json]:
    """The courier takes every signed letter once its whole manifest is offered."""
    expected = {
        letter["letter_id"]: set(day.recaps_by_id()[recap_id]["dossier_ids"])
        for recap_id, letter in day.signed.items()
    }

    def ready() -> list[Json] | None:
        listed = office.items(COURIER, "courier", "/handovers", status="READY")
        offered = {
            h["letter_id"]: {d["dossier_id"] for d in h["documents"]}
            for h in listed
            if h["letter_id"] in expected
        }
        return listed if offered == expected else None

    manifests = eventually(ready, "the courier to be offered every signed letter whole")
    for manifest in manifests:
        assert all("nik" not in document for document in manifest["documents"])
        accepted = office.post(COURIER, "courier", f"/handovers/{manifest['letter_id']}/accept")
        assert accepted["status"] == "ACCEPTED"
    return manifests


def deliver_and_return(office: OfficeClient, manifests: list[Json], day: Day) -> None:
    """Five documents come back, each for another reason; the rest reach their people, four
    rounds on the road at once."""
    documents = [d["dossier_id"] for m in manifests for d in m["documents"]]
    kk = day.recaps[DocumentType.KK]["dossier_ids"]
    to_return = [kk[0], *[d for d in documents if d != kk[0]][:: len(documents) // 4]][:5]
    for dossier_id, reason in zip(to_return, RETURN_REASONS, strict=True):
        outcome = office.post(
            COURIER,
            "courier",
            f"/deliveries/{dossier_id}/returned",
            {"reason": reason, "note": f"Dikembalikan: {reason.value.lower()}."},
        )
        assert outcome["delivery_status"] == "RETURNED"
        day.returned[dossier_id] = reason
    delivered = [d for d in documents if d not in day.returned]
    for number, dossier_id in enumerate(delivered):
        day.delivered[dossier_id] = RELATIONSHIPS[number % len(RELATIONSHIPS)]

    def visit(dossier_id: str) -> None:
        relationship, person = day.delivered[dossier_id], day.people[dossier_id]
        recipient = {
            Relationship.SELF: person.name,
            Relationship.FAMILY: person.family_member,
            Relationship.OTHER: "Sutrisno",
        }[relationship]
        outcome = office.post(
            COURIER,
            "courier",
            f"/deliveries/{dossier_id}/delivered",
            {"recipient_name": recipient, "relationship": relationship, "note": "Diterima."},
        )
        assert outcome["delivery_status"] == "DELIVERED"

    def round_of(documents: list[str]) -> None:
        for dossier_id in documents:
            visit(dossier_id)

    at_once(round_of, [(delivered[n::4],) for n in range(4)])  # four rounds at once


def receive_returns(office: OfficeClient, day: Day) -> None:
    """The Kasubbag Umum receives all returned documents but the last, still on its way."""
    for dossier_id in list(day.returned)[:-1]:
        outcome = office.post(KASUBBAG, "courier", f"/returns/{dossier_id}/receive")
        assert outcome["delivery_status"] == "RECEIVED_BACK"
        day.received_back.append(dossier_id)


def turn_away_what_the_registry_refuses(
    office: OfficeClient, people: list[Applicant], walk_in: Applicant
) -> None:
    """A document not in the registry, and one already in flight: refused, nothing written."""
    office.post(FO, "intake", "/dossiers", registration(walk_in), expect=422)
    office.post(FO_2, "intake", "/dossiers", registration(people[0]), expect=409)


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
        steps.append(step(1, "FlagResolved", FO))
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
        for column in ("registered", "in_progress", "delivered", "returned", "received_back")
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
    resolve_one_flag(office, day)
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
