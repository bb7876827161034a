"""An office day of the end-to-end procedure test, step by step of the SOP, through the
HTTP API of a running system; `Day` keeps what the officers did, for the test to check
every service's view against."""

import csv
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from services.cli.demo.applicants import Applicant
from shared.vocabulary import DocumentType, Relationship, ReturnReason
from tests.door_support import photo
from tests.e2e.office_client import (
    COURIER,
    FO,
    FO_2,
    KASUBBAG,
    SEKRETARIS,
    Json,
    OfficeClient,
    Officer,
    eventually,
)

TYPES = (DocumentType.KTP_EL, DocumentType.KK, DocumentType.KIA, DocumentType.AKTA)
RETURN_REASONS = list(ReturnReason)  # five returns, each for a different reason
RELATIONSHIPS = list(Relationship)

PHOTO = photo()  # the courier's photo of each handover at the door


# --- what the officers did, to check every view against ----------------------------------


@dataclass
class Day:
    people: dict[str, Applicant] = field(default_factory=dict)  # by dossier id
    desks: dict[str, Officer] = field(default_factory=dict)  # who registered each
    unsigned: list[str] = field(default_factory=list)  # came back FLAGGED
    resolved: str = ""  # the unsigned one whose flag was resolved
    resolved_by: Officer = FO  # the other FO desk than the one that registered (and flagged) it
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


# --- the procedure, step by step of the SOP ----------------------------------------------


def register_everyone(office: OfficeClient, people: list[Applicant], day: Day) -> None:
    """Two FO desks at work at the same time, each with its half of the queue."""

    def desk_at_work(desk: Officer, queue: list[Applicant]) -> None:
        for person in queue:
            dossier = office.post(desk, "intake", "/dossiers", person.registration(), expect=201)
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


def resolve_one_flag(office: OfficeClient, day: Day, registry: Path) -> None:
    """The unsigned KK is signed after all; the unsigned AKTA stays held back. The flag holds
    until the registry says so (loaded from `registry`, a file written here), and the FO desk
    that did not register it resolves it."""
    (day.resolved,) = (d for d in day.unsigned if day.people[d].document_type is DocumentType.KK)
    path = f"/dossiers/{day.resolved}/flags/resolve"
    note = {"note": "Sudah ditandatangani pejabat; berkas boleh dikirim."}
    day.resolved_by = FO_2 if day.desks[day.resolved] == FO else FO
    refused = office.post(day.resolved_by, "intake", path, note, expect=409)
    assert "still lists KK" in refused["detail"] and "as unsigned" in refused["detail"]
    signed = office.system.run(
        "registry", "load", str(write_registry(registry, [day.people[day.resolved]], set()))
    )
    assert signed.returncode == 0, signed.stderr
    assert "1 updated" in signed.stdout
    resolved = office.post(day.resolved_by, "intake", path, note)
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
            photo=PHOTO,
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
    office.post(FO, "intake", "/dossiers", walk_in.registration(), expect=422)
    office.post(FO_2, "intake", "/dossiers", people[0].registration(), expect=409)
