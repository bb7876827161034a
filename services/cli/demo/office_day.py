"""One office day played through the HTTP API, step by step of the SOP: the FO desk
registers the applicants (an unsigned document is flagged, a walk-in whose document is not
in the registry is turned away), raises and resolves a flag, compiles a recap per document
type; the Kasubbag Umum drafts a cover letter per recap, the Sekretaris rejects one (it is
drafted again) and signs the rest; the courier accepts the handovers and delivers (with the
citizen's receipt code or a photo), some documents come back after failed attempts and the
Kasubbag Umum receives them. Finally the reporting service's
view is awaited: the delivery report and a control card."""

import asyncio
from collections.abc import Awaitable, Iterable
from dataclasses import replace
from functools import partial
from random import Random
from typing import Any

from rich.progress import Progress

from services.cli.demo.api import (
    AUDITOR,
    COURIER,
    FO_DESK,
    KASUBBAG,
    SEKRETARIS,
    Json,
    OfficeApi,
)
from services.cli.demo.applicants import Applicant
from services.cli.demo.day_result import DayResult
from services.cli.demo.door import Door, SentCodes
from services.cli.demo.outcomes import Delivered, Returned, at_the_door
from shared.vocabulary import DocumentType, FlagReason, ReturnReason

CONCURRENT_DESKS = 12  # requests in flight at once: a busy office, not a load test
TYPES = (DocumentType.KTP_EL, DocumentType.KK, DocumentType.KIA, DocumentType.AKTA)


class OfficeDay:
    def __init__(
        self,
        api: OfficeApi,
        people: list[Applicant],
        walk_in: Applicant,
        rng: Random,
        progress: Progress | None = None,
        codes: SentCodes | None = None,
    ) -> None:
        self.api, self.people, self.walk_in, self.rng = api, people, walk_in, rng
        self.codes = codes or SentCodes(None)
        self.progress = progress or Progress(disable=True)
        self.result = DayResult()
        self._desks = asyncio.Semaphore(CONCURRENT_DESKS)

    async def play(self) -> DayResult:
        baseline = (await self.delivery_report())["totals"]
        await self.register_everyone()
        await self.flag_and_resolve()
        await self.compile_recaps()
        await self.draft_and_sign_letters()
        manifests = await self.hand_over()
        await self.deliver(manifests)
        await self.receive_returns()
        await self.await_reports(baseline)
        return self.result

    # --- FO desk ---------------------------------------------------------------------

    async def register_everyone(self) -> None:
        task = self.progress.add_task("FO desk: registering applicants", total=len(self.people))

        async def register(number: int, person: Applicant) -> None:
            dossier = await self.api.post(
                FO_DESK[number % 2], "intake", "/dossiers", person.registration()
            )
            dossier_id = str(dossier["dossier_id"])
            self.result.applicants[dossier_id] = person
            if dossier.get("tracking_code"):
                self.result.tracking_codes[dossier_id] = str(dossier["tracking_code"])
            if dossier.get("status") == "FLAGGED":
                self.result.flagged_unsigned.append(dossier_id)
            self.progress.advance(task)

        await self._at_desks(register(n, person) for n, person in enumerate(self.people))
        await self.api.post(
            FO_DESK[0],
            "intake",
            "/dossiers",
            self.walk_in.registration(),
            expect=(422,),
            wait_for=(),
        )
        self.result.turned_away.append(self.walk_in.name)

    async def flag_and_resolve(self) -> None:
        task = self.progress.add_task("FO desk: a flag and its correction", total=2)
        flagged = set(self.result.flagged_unsigned)
        dossier_id = next(
            d
            for d, person in self.result.applicants.items()
            if d not in flagged and person.document_type is DocumentType.KTP_EL
        )
        await self.api.post(
            FO_DESK[1],
            "intake",
            f"/dossiers/{dossier_id}/flags",
            {
                "reason": FlagReason.DATA_ENTRY_ERROR.value,
                "note": "Alamat di formulir tidak lengkap: RT/RW tertinggal; pemohon dihubungi.",
            },
        )
        self.progress.advance(task)
        # Another FO corrects the data, which resolves the flag: the one who raised a flag
        # may not (separation of duties).
        address = self.result.applicants[dossier_id].address
        await self.api.post(
            FO_DESK[0],
            "intake",
            f"/dossiers/{dossier_id}/corrections",
            {
                "address": f"{address}, RT 002/RW 005"[:300],
                "note": "Dicocokkan dengan KK asli; RT/RW dilengkapi.",
            },
        )
        self.progress.advance(task)
        self.result.flag_resolved = dossier_id

    async def compile_recaps(self) -> None:
        task = self.progress.add_task("FO desk: a recap per document type", total=len(TYPES))
        flagged = set(self.result.flagged_unsigned)
        for kind in TYPES:
            expected = {
                d
                for d, person in self.result.applicants.items()
                if person.document_type is kind and d not in flagged
            }
            await self.api.eventually(
                partial(self._registered_include, kind, expected),
                f"intake to list every registered {kind} dossier",
            )
            covered: set[str] = set()
            while not expected <= covered:
                recap = await self.api.post(
                    FO_DESK[0], "intake", "/recaps", {"document_type": kind.value}
                )
                self.result.recaps.append(recap)
                covered |= {str(d) for d in recap["dossier_ids"]}
            self.progress.advance(task)

    async def _registered_include(self, kind: DocumentType, expected: set[str]) -> bool:
        listed = await self.api.items(
            FO_DESK[0], "intake", "/dossiers", {"status": "REGISTERED", "document_type": kind}
        )
        return expected <= {str(item["dossier_id"]) for item in listed}

    # --- Kasubbag Umum and Sekretaris ------------------------------------------------

    async def draft_and_sign_letters(self) -> None:
        recaps = self.result.recaps
        task = self.progress.add_task("Letters: drafted, one rejected, signed", total=len(recaps))
        for number, recap in enumerate(recaps):
            recap_id = str(recap["recap_id"])
            await self.api.eventually(
                partial(self._awaiting_letter, recap_id), f"approval to see recap {recap_id}"
            )
            letter = await self.api.post(KASUBBAG, "approval", "/letters", {"recap_id": recap_id})
            if number == 1 or (self.result.rejected is None and number == len(recaps) - 1):
                await self.api.post(
                    SEKRETARIS,
                    "approval",
                    f"/letters/{letter['letter_id']}/reject",
                    {"reason": "Jumlah berkas di surat tidak sama dengan daftar rekapan."},
                )
                self.result.rejected = letter
                fix = "Jumlah berkas di surat disesuaikan dengan daftar rekapan."
                letter = await self.api.post(
                    KASUBBAG, "approval", "/letters", {"recap_id": recap_id, "fix": fix}
                )
            await self.api.post(SEKRETARIS, "approval", f"/letters/{letter['letter_id']}/sign")
            self.result.letters.append(letter)
            self.progress.advance(task)

    async def _awaiting_letter(self, recap_id: str) -> bool:
        waiting = await self.api.items(
            KASUBBAG, "approval", "/recaps", {"status": "AWAITING_LETTER"}
        )
        return any(str(item["recap_id"]) == recap_id for item in waiting)

    # --- the third party -------------------------------------------------------------

    async def hand_over(self) -> list[Json]:
        signed = {str(letter["letter_id"]) for letter in self.result.letters}
        task = self.progress.add_task("Courier: handovers accepted", total=len(signed))

        async def ready() -> list[Json] | None:
            listed = await self.api.items(COURIER, "courier", "/handovers", {"status": "READY"})
            mine = [h for h in listed if str(h["letter_id"]) in signed]
            return mine if len(mine) == len(signed) else None

        manifests = await self.api.eventually(ready, "courier to offer every signed letter")
        for manifest in manifests:
            await self.api.post(COURIER, "courier", f"/handovers/{manifest['letter_id']}/accept")
            self.progress.advance(task)
        return manifests

    async def deliver(self, manifests: list[Json]) -> None:
        documents = [document for manifest in manifests for document in manifest["documents"]]
        task = self.progress.add_task("Courier: at the door", total=len(documents))
        outcomes = {
            str(document["dossier_id"]): at_the_door(self._person(document), self.rng)
            for document in documents
        }
        if documents and not any(isinstance(o, Returned) for o in outcomes.values()):
            first = str(documents[0]["dossier_id"])
            outcomes[first] = Returned(ReturnReason.RECIPIENT_NOT_HOME, "Rumah kosong.")

        door = Door(self.api, self.codes, self.rng)

        async def visit(dossier_id: str, outcome: Delivered | Returned) -> None:
            if isinstance(outcome, Delivered):
                await door.deliver(dossier_id, outcome)
                self.result.delivered.append(dossier_id)
            else:
                await door.bring_back(dossier_id, outcome)
                self.result.returned[dossier_id] = outcome.reason
            self.progress.advance(task)

        await self._at_desks(visit(d, outcome) for d, outcome in outcomes.items())
        self.result.by_code, self.result.by_photo = door.by_code, door.by_photo
        self.result.wrong_codes, self.result.attempts = door.wrong_codes, door.attempts

    def _person(self, document: Json) -> Applicant:
        known = self.result.applicants.get(str(document["dossier_id"]))
        if known is not None:
            return known
        # A dossier of an earlier day still waiting: its manifest is all we know.
        stand_in = self.people[0]
        return replace(stand_in, name=document["name"], address=document["address"])

    async def receive_returns(self) -> None:
        # One returned document is still on its way back at the end of the day.
        returned = sorted(self.result.returned)[:-1] or sorted(self.result.returned)
        task = self.progress.add_task("Kasubbag Umum: returns received", total=len(returned))
        for dossier_id in returned:
            await self.api.post(KASUBBAG, "courier", f"/returns/{dossier_id}/receive")
            self.result.received_back.append(dossier_id)
            self.progress.advance(task)

    # --- reporting -------------------------------------------------------------------

    async def delivery_report(self) -> Json:
        return await self.api.get(AUDITOR, "reporting", "/reports/deliveries")

    async def await_reports(self, baseline: Json) -> None:
        task = self.progress.add_task("Reporting: catching up with the log", total=2)
        want_delivered = baseline.get("delivered", 0) + len(self.result.delivered)
        want_back = baseline.get("received_back", 0) + len(self.result.received_back)

        async def caught_up() -> Json | None:
            report = await self.delivery_report()
            totals = report["totals"]
            done = (
                totals.get("delivered", 0) >= want_delivered
                and totals.get("received_back", 0) >= want_back
            )
            return report if done else None

        self.result.report = await self.api.eventually(caught_up, "the delivery report")
        self.progress.advance(task)
        featured = self.result.featured_dossier()
        final = "RECEIVED_BACK" if featured in self.result.received_back else "DELIVERED"

        async def card() -> Json | None:
            found = await self.api.get(AUDITOR, "reporting", f"/control-cards/{featured}")
            return found if found.get("status") == final else None

        self.result.control_card = await self.api.eventually(card, f"the control card {featured}")
        self.progress.advance(task)

    async def _at_desks(self, calls: Iterable[Awaitable[Any]]) -> None:
        async def one(call: Awaitable[Any]) -> None:
            async with self._desks:
                await call

        await asyncio.gather(*(one(call) for call in calls))
