"""`jasa up` as a person runs it: it starts its own durable Redis and the four services,
stops them all on SIGTERM leaving no process behind, and a second start on the same data
dir finds everything the first one kept: after an office day played by `jasa demo`, every
dossier and control card is still there, and the letter register goes on without a gap."""

import asyncio
import csv
import os
import re
import signal
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from random import Random
from typing import Any

import psutil
import pytest
from redis.asyncio import Redis

from services.cli.demo.applicants import applicants
from shared.identity import verify_token
from shared.keys import Keys
from shared.log import EventLog
from shared.vocabulary import DocumentType
from shared.wib import WIB
from tests import factories
from tests.e2e.harness import JasaUp, clean_environment, free_port_base, wait_until
from tests.e2e.office_client import (
    AUDITOR,
    COURIER,
    FO,
    KASUBBAG,
    SEKRETARIS,
    Json,
    OfficeClient,
    eventually,
    settled,
)

pytestmark = pytest.mark.e2e


@pytest.fixture
def system(tmp_path: Path) -> Iterator[JasaUp]:
    up = JasaUp(data_dir=tmp_path / "var", port_base=free_port_base(), output_dir=tmp_path)
    yield up
    if up.process is not None and up.process.poll() is None:
        up.stop()


def append_registrations(redis_url: str, count: int) -> list[str]:
    """Events written straight into the office's log, as a service would write them."""

    async def append() -> list[str]:
        redis = Redis.from_url(redis_url)
        log = EventLog(redis, Keys("1471"))
        ids = []
        for _ in range(count):
            event = factories.registered()
            await log.append(event.stream_id, [event], expected_version=0)
            ids.append(event.stream_id)
        await redis.aclose()
        return ids

    return asyncio.run(append())


def streams_in_log(redis_url: str, stream_ids: list[str]) -> dict[str, int]:
    async def load() -> dict[str, int]:
        redis = Redis.from_url(redis_url)
        log = EventLog(redis, Keys("1471"))
        found = {stream_id: len(await log.load(stream_id)) for stream_id in stream_ids}
        await redis.aclose()
        return found

    return asyncio.run(load())


def test_up_starts_everything_stops_cleanly_and_a_restart_loses_nothing(system: JasaUp) -> None:
    system.start()
    output = system.output()
    for url in system.urls.values():
        assert f"{url}/docs" in output
    assert "jasa token FO --officer-id" in output
    assert str(system.data_dir / "logs") in output
    commands = system.child_commands()
    assert sum("services.cli serve" in command for command in commands) == 4
    assert sum("redis-server" in command for command in commands) == 1
    secret = (system.data_dir / "secret").read_text()
    pii_key = (system.data_dir / "pii.key").read_text()
    assert stat.S_IMODE((system.data_dir / "pii.key").stat().st_mode) == 0o600

    written = append_registrations(system.redis_url, 3)
    redis_url = system.redis_url

    assert system.stop() == 0
    assert system.children_left() == []
    assert "Stopped" in system.output()

    system.start()
    assert system.redis_url == redis_url  # the same port: URLs given out keep working
    assert streams_in_log(system.redis_url, written) == dict.fromkeys(written, 1)
    token = system.run("token", "FO", "--officer-id", "198001012005011001", "--name", "Siti")
    assert verify_token(token.stdout.strip(), secret).name == "Siti"
    assert (system.data_dir / "intake.db").exists()
    assert (system.data_dir / "reporting.db").exists()
    assert (system.data_dir / "secret").read_text() == secret
    assert (system.data_dir / "pii.key").read_text() == pii_key
    assert system.stop() == 0
    assert system.children_left() == []
    for service in ("intake", "approval", "courier", "reporting"):
        log = (system.data_dir / "logs" / f"{service}.log").read_text()
        assert log.count("starting") == 2
        assert "\x1b[" not in log, f"colour codes in the {service} log"


def test_a_service_that_dies_is_named_and_the_rest_are_stopped(system: JasaUp) -> None:
    system.start()
    courier = next(c for c in system.children if "serve courier" in " ".join(c.cmdline()))

    os.kill(courier.pid, signal.SIGKILL)

    assert system.process is not None
    assert system.process.wait(30) == 1
    assert "the courier service exited" in system.output()
    assert system.children_left() == []


def test_a_taken_port_is_named_before_anything_starts(tmp_path: Path) -> None:
    base = free_port_base()
    data_dir = tmp_path / "var"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", base + 2))
        taken.listen()
        result = subprocess.run(
            [sys.executable, "-m", "services.cli", "up"],
            env=clean_environment(JASA_DATA_DIR=str(data_dir), JASA_PORT_BASE=str(base)),
            capture_output=True,
            text=True,
            timeout=60,
        )

    assert result.returncode == 1
    assert f"port {base + 2} (approval) is already in use" in result.stderr
    assert not (data_dir / "redis").exists()
    assert not (data_dir / "logs").exists()
    assert processes_mentioning(f"--port {base + 1}", str(data_dir)) == []


def test_a_second_up_on_the_same_data_dir_is_refused(system: JasaUp) -> None:
    system.start()
    other_base = free_port_base()
    result = subprocess.run(
        [sys.executable, "-m", "services.cli", "up"],
        env=clean_environment(JASA_DATA_DIR=str(system.data_dir), JASA_PORT_BASE=str(other_base)),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "another `jasa up`" in result.stderr
    wait_until(lambda: system._all_ready(), 10, "the first system still ready")


def processes_mentioning(*needles: str) -> list[str]:
    found = []
    for process in psutil.process_iter(["cmdline"]):
        command = " ".join(process.info["cmdline"] or [])
        if any(needle in command for needle in needles) and "pytest" not in command:
            found.append(command)
    return found


def test_after_up_is_killed_its_services_stop_and_the_next_up_takes_over_its_redis(
    system: JasaUp,
) -> None:
    system.start()
    written = append_registrations(system.redis_url, 2)
    redis = next(c for c in system.children if "redis-server" in " ".join(c.cmdline()))
    services = [c for c in system.children if c is not redis]
    assert system.process is not None

    system.process.kill()  # no chance to clean up: an OOM kill, kill -9
    system.process.wait()

    _, alive = psutil.wait_procs(services, timeout=15)
    assert alive == []  # they follow their parent (parent-death signal)
    assert redis.is_running()
    system.start()
    assert "left running by an earlier `jasa up` was shut down" in system.output()
    assert not redis.is_running() or redis.status() == psutil.STATUS_ZOMBIE
    assert streams_in_log(system.redis_url, written) == dict.fromkeys(written, 1)
    assert system.stop() == 0
    assert system.children_left() == []


# --- an office day survives a restart ----------------------------------------------------

LETTER_NUMBER = re.compile(r"470/Dukcapil-PDIP/(\d{4})/(\d{4})")
LETTER_STATUS_AFTER = {
    "LetterDrafted": "AWAITING_SIGNATURE",
    "LetterSigned": "SIGNED",
    "LetterRejected": "REJECTED",
}


@dataclass
class Kept:
    """What the office sees of its day: the dossier list, every control card, the letters,
    the courier's handovers and returns, the delivery report."""

    dossiers: list[Json]
    cards: dict[str, Json]
    letters: list[Json]
    elsewhere: dict[str, Json | list[Json]]


def other_views(office: OfficeClient) -> dict[str, Json | list[Json]]:
    return {
        "handovers": office.items(COURIER, "courier", "/handovers", status="ACCEPTED"),
        "returns": office.items(KASUBBAG, "courier", "/returns"),
        "recaps": office.items(KASUBBAG, "approval", "/recaps"),
        "report": office.get(AUDITOR, "reporting", "/reports/deliveries"),
    }


def intake_dossiers(office: OfficeClient) -> list[Json]:
    return office.items(FO, "intake", "/dossiers")


def control_cards(office: OfficeClient, dossier_ids: list[str]) -> dict[str, Json]:
    return {d: office.get(AUDITOR, "reporting", f"/control-cards/{d}") for d in dossier_ids}


def letters(office: OfficeClient) -> list[Json]:
    return office.items(KASUBBAG, "approval", "/letters")


def letter_sequence(listed: list[Json]) -> list[int]:
    """The letters' places in the year's register, as their numbers say."""
    found = [LETTER_NUMBER.fullmatch(letter["letter_number"]) for letter in listed]
    assert all(found), [letter["letter_number"] for letter in listed]
    return sorted(int(match[1]) for match in found if match)


def caught_up(office: OfficeClient) -> Kept:
    """What the office sees, once every service has applied the whole log: reporting has
    archived all of it, and intake's, approval's and the courier's views say what the log
    and the control cards say."""
    events = office.events()
    dossier_ids: list[str] = []
    letter_status: dict[str, str] = {}
    received: dict[str, bool] = {}  # returned documents: received back yet?
    accepted: set[str] = set()
    for event in events:
        data: Any = event.data
        if event.type == "DocumentRegistered":
            dossier_ids.append(str(data.dossier_id))
        elif event.type in LETTER_STATUS_AFTER:
            letter_status[str(data.letter_id)] = LETTER_STATUS_AFTER[event.type]
        elif event.type in ("Returned", "ReturnReceived"):
            received[str(data.dossier_id)] = event.type == "ReturnReceived"
        elif event.type == "HandoverAccepted":
            accepted.add(str(data.letter_id))
    eventually(
        lambda: office.get(AUDITOR, "reporting", "/audit/verify")["events_checked"] == len(events),
        "reporting to archive the whole log",
    )
    cards = control_cards(office, dossier_ids)
    status = {d: card["status"] for d, card in cards.items()}

    def courier_view() -> tuple[dict[str, str], dict[str, bool]]:
        handovers = office.items(COURIER, "courier", "/handovers", status="ACCEPTED")
        documents = {
            d["dossier_id"]: d["delivery_status"] for h in handovers for d in h["documents"]
        }
        returns = office.items(KASUBBAG, "courier", "/returns")
        return documents, {r["dossier_id"]: r["received"] for r in returns}

    on_handovers = {d: s for d, s in status.items() if s not in ("FLAGGED", "REGISTERED")}
    for view, expected, what in (
        (lambda: {i["dossier_id"]: i["status"] for i in intake_dossiers(office)}, status, "intake"),
        (lambda: {i["letter_id"]: i["status"] for i in letters(office)}, letter_status, "letters"),
        (courier_view, (on_handovers, received), "the courier's handovers and returns"),
    ):
        assert settled(view, expected) == expected, what
    handovers = office.items(COURIER, "courier", "/handovers", status="ACCEPTED")
    assert {handover["letter_id"] for handover in handovers} == accepted
    return Kept(intake_dossiers(office), cards, letters(office), other_views(office))


def a_new_recap_after_the_restart(office: OfficeClient, system: JasaUp, tmp_path: Path) -> Json:
    """A new applicant (the registry loaded for her document), registered, recapped, and the
    cover letter of that recap drafted and signed."""
    newcomer = applicants(4, Random(8_000_001), datetime.now(WIB).date())[1]
    assert newcomer.document_type is DocumentType.KK
    registry = tmp_path / "newcomer.csv"
    with registry.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["document_number", "document_type", "nik", "name", "signed"])
        writer.writerow([newcomer.document_number, "KK", newcomer.nik, newcomer.name, "true"])
    loaded = system.run("registry", "load", str(registry))
    assert loaded.returncode == 0, loaded.stderr
    body = {
        "nik": newcomer.nik,
        "name": newcomer.name,
        "address": newcomer.address,
        "phone": newcomer.phone,
        "document_type": "KK",
        "document_number": newcomer.document_number,
    }
    dossier_id = office.post(FO, "intake", "/dossiers", body, expect=201)["dossier_id"]

    def waiting() -> bool:
        listed = office.items(FO, "intake", "/dossiers", status="REGISTERED", document_type="KK")
        return dossier_id in {item["dossier_id"] for item in listed}

    eventually(waiting, "intake to list the new dossier")
    recap = office.post(FO, "intake", "/recaps", {"document_type": "KK"}, expect=201)
    assert recap["dossier_ids"] == [dossier_id]

    def awaiting_letter() -> bool:
        listed = office.items(KASUBBAG, "approval", "/recaps", status="AWAITING_LETTER")
        return recap["recap_id"] in {item["recap_id"] for item in listed}

    eventually(awaiting_letter, "approval to see the new recap")
    body = {"recap_id": recap["recap_id"]}
    letter = office.post(KASUBBAG, "approval", "/letters", body, expect=201)
    signed = office.post(SEKRETARIS, "approval", f"/letters/{letter['letter_id']}/sign")
    assert signed["status"] == "SIGNED"
    return letter


def test_an_office_day_is_all_there_after_a_restart_and_letter_numbers_go_on(
    system: JasaUp, tmp_path: Path
) -> None:
    system.start()
    day = system.run("demo", "--applicants", "60", "--seed", "1471")
    assert day.returncode == 0, day.stdout + day.stderr
    office = OfficeClient(system)
    before = caught_up(office)
    office.close()
    assert len(before.dossiers) == 60
    assert {card["status"] for card in before.cards.values()} >= {"DELIVERED", "RECEIVED_BACK"}
    numbered = letter_sequence(before.letters)
    assert numbered == list(range(1, len(numbered) + 1))
    assert {letter["status"] for letter in before.letters} == {"SIGNED", "REJECTED"}
    pids = [system.process.pid if system.process else 0, *(c.pid for c in system.children)]

    assert system.stop() == 0
    assert system.children_left() == []
    assert [pid for pid in pids if _running(pid)] == []

    system.start()
    office = OfficeClient(system)
    assert settled(lambda: intake_dossiers(office), before.dossiers) == before.dossiers
    assert control_cards(office, list(before.cards)) == before.cards
    assert letters(office) == before.letters
    assert other_views(office) == before.elsewhere

    letter = a_new_recap_after_the_restart(office, system, tmp_path)
    assert letter_sequence([letter]) == [len(numbered) + 1]
    eventually(lambda: len(letters(office)) == len(before.letters) + 1, "the new letter listed")
    assert letter_sequence(letters(office)) == list(range(1, len(numbered) + 2))
    office.close()
    assert system.stop() == 0
    assert system.children_left() == []


def _running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
