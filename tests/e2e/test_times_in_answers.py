"""Every time a service answers is a moment a reader can place: it carries its offset, and is
shown in WIB (+07:00) as the README and the OpenAPI promise. The one exception is the log
itself, whose envelopes the contract keeps in UTC (with their +00:00).

An office day goes through the four services as real processes; every JSON answer of it is
kept, then every JSON read of every service's OpenAPI document is asked once more."""

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from random import Random
from typing import Any

import pytest

from services.cli.demo.applicants import applicants
from shared.wib import WIB
from tests.e2e.harness import JasaUp, free_port_base
from tests.e2e.office_client import (
    AUDITOR,
    COURIER,
    FO,
    KASUBBAG,
    Json,
    OfficeClient,
    Officer,
    eventually,
)
from tests.e2e.procedure_steps import (
    Day,
    accept_handovers,
    compile_recaps,
    deliver_and_return,
    draft_and_sign_letters,
    receive_returns,
    register_everyone,
    resolve_one_flag,
    write_registry,
)

pytestmark = pytest.mark.e2e

ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
OFFSET = re.compile(r"(Z|[+-]\d{2}:\d{2})$")
OFFICERS = (FO, KASUBBAG, COURIER, AUDITOR)


class RecordingOffice(OfficeClient):
    """The office's officers, with every JSON answer kept as (where, body)."""

    answers: list[tuple[str, Any]]

    def post(
        self,
        officer: Officer,
        service: str,
        path: str,
        body: Json | None = None,
        expect: int = 200,
        photo: bytes | None = None,
    ) -> Json:
        answer = super().post(officer, service, path, body, expect, photo)
        self.answers.append((f"POST {service}{path}", answer))
        return answer

    def get(self, officer: Officer, service: str, path: str, **params: Any) -> Json:
        answer = super().get(officer, service, path, **params)
        self.answers.append((f"GET {service}{path}", answer))
        return answer


@pytest.fixture
def system(tmp_path: Path) -> Iterator[JasaUp]:
    up = JasaUp(data_dir=tmp_path / "var", port_base=free_port_base(), output_dir=tmp_path)
    up.start()
    yield up
    assert up.stop() == 0


def times_in(body: Any, where: str = "") -> Iterator[tuple[str, str]]:
    """(path in the body, value) of every time: a key ending in `_at`, or an ISO time."""
    if isinstance(body, dict):
        for key, value in body.items():
            inner = f"{where}.{key}"
            if isinstance(value, str) and (key.endswith("_at") or ISO_TIME.match(value)):
                yield inner, value
            else:
                yield from times_in(value, inner)
    elif isinstance(body, list):
        for number, value in enumerate(body):
            yield from times_in(value, f"{where}[{number}]")
    elif isinstance(body, str) and ISO_TIME.match(body):
        yield where, body


def play_a_day(office: RecordingOffice, system: JasaUp, tmp_path: Path) -> Day:
    today = datetime.now(WIB).date()
    people = applicants(24, Random(1471), today)
    unsigned = {people[1].document_number, people[3].document_number}
    registry = write_registry(tmp_path / "registry.csv", people, unsigned)
    assert system.run("registry", "load", str(registry)).returncode == 0
    day = Day()
    register_everyone(office, people, day)
    resolve_one_flag(office, day, tmp_path / "signed.csv")
    compile_recaps(office, day)
    draft_and_sign_letters(office, day)
    deliver_and_return(office, accept_handovers(office, day), day)
    receive_returns(office, day)
    return day


def ask_every_read(office: RecordingOffice, day: Day) -> set[str]:
    """Every JSON GET of every service's OpenAPI, its ids taken from the day; the paths asked."""
    received = day.received_back[0]
    letter = next(iter(day.signed.values()))
    ids = {"dossier_id": received, "letter_id": letter["letter_id"], "recap_id": letter["recap_id"]}
    ids["tracking_code"] = office.get(FO, "intake", f"/dossiers/{received}")["tracking_code"]
    eventually(
        lambda: (
            office.get(AUDITOR, "reporting", f"/control-cards/{received}")["status"]
            == "RECEIVED_BACK"
        ),
        "the control card of a document received back",
    )
    asked = set()
    for service in ("intake", "approval", "courier", "reporting"):
        document = office.http.get(f"{office.urls[service]}/openapi.json").json()
        for path, operations in document["paths"].items():
            answers = operations.get("get", {}).get("responses", {}).get("200", {})
            if "application/json" not in answers.get("content", {}) or path == "/openapi.json":
                continue
            url = office.urls[service] + path.format(**ids)
            for officer in OFFICERS:  # the first whose role may read it
                answer = office.http.get(url, headers=office.headers(officer))
                if answer.status_code != 403:
                    break
            assert answer.status_code == 200, f"GET {service}{path}: {answer.text}"
            office.answers.append((f"GET {service}{path}", answer.json()))
            asked.add(f"{service}{path}")
    return asked


def test_every_time_in_every_answer_of_an_office_day_carries_its_offset(
    system: JasaUp, tmp_path: Path
) -> None:
    office = RecordingOffice(system)
    office.answers = []
    day = play_a_day(office, system, tmp_path)
    asked = ask_every_read(office, day)
    office.close()

    assert {"courier/returns", "reporting/control-cards/{dossier_id}", "intake/dossiers"} <= asked
    times = [
        (where, inner, value) for where, body in office.answers for inner, value in times_in(body)
    ]
    kinds = {inner.rsplit(".", 1)[-1] for _, inner, _ in times}
    assert {"returned_at", "received_at", "registered_at", "at"} <= kinds
    without_offset = [t for t in times if not OFFSET.search(t[2])]
    assert without_offset == []
    in_the_log = re.compile(r"^\.items\[\d+\]\.event\.")  # envelopes: UTC, as the contract says
    not_wib = [t for t in times if not in_the_log.match(t[1]) and not t[2].endswith("+07:00")]
    assert not_wib == []
