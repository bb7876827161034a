"""How events change the reporting read models, folded in memory over the rows they touch.

A page of the log is folded in one go: the rows its events refer to are loaded first
(`referenced`, then `dossiers_of_letters`), every event is folded in log order over those
rows and the ones the page itself makes, and what was made or changed is written back after
(`services.reporting.projections.project_all`). An event sees every change of the events
before it, in the page or earlier, as if they were folded one by one. No I/O here."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

import orjson

from services.reporting.domain import SOP_STEP_OF_EVENT, elapsed_seconds
from shared.events import (
    Delivered,
    DocumentFlagged,
    DocumentRegistered,
    Envelope,
    FlagResolved,
    HandoverAccepted,
    LetterDrafted,
    LetterRejected,
    LetterSigned,
    LogArchived,
    PersonalDataErased,
    RecapCompiled,
    Returned,
    ReturnReceived,
    id_text,
)
from shared.privacy import ERASED
from shared.vocabulary import STATUS_AFTER_EVENT, DossierStatus
from shared.wib import as_utc

Row = dict[str, Any]  # column name -> value, as the table holds it

LETTER_STATUS = {"LetterDrafted": "DRAFTED", "LetterSigned": "SIGNED", "LetterRejected": "REJECTED"}
LETTER_EVENTS = LetterDrafted | LetterSigned | LetterRejected
ONE_DOSSIER = DocumentFlagged | FlagResolved | Delivered | Returned | ReturnReceived


@dataclass
class Rows:
    """The rows of one table a page touches, by id: loaded, made by the page, or changed."""

    by_id: dict[str, Row] = field(default_factory=dict)
    made: set[str] = field(default_factory=set)
    changed: set[str] = field(default_factory=set)

    def load(self, key: str, row: Row) -> None:
        self.by_id.setdefault(key, row)

    def add(self, key: str, row: Row) -> Row:
        self.by_id[key] = row
        self.made.add(key)
        return row

    def get(self, key: str) -> Row | None:
        return self.by_id.get(key)

    def touch(self, key: str) -> None:
        self.changed.add(key)

    def new_rows(self) -> list[Row]:
        return [row for key, row in self.by_id.items() if key in self.made]

    def changed_rows(self) -> list[Row]:
        return [
            row for key, row in self.by_id.items() if key in self.changed and key not in self.made
        ]


def referenced(events: Iterable[Envelope]) -> tuple[set[str], set[str], set[str]]:
    """The dossiers, recaps and letters the events name themselves (ids as text); a letter's
    dossiers are those of its recap (`dossiers_of_letters`, once the recaps are loaded)."""
    dossiers: set[str] = set()
    recaps: set[str] = set()
    letters: set[str] = set()
    for event in events:
        data = event.data
        if isinstance(data, DocumentRegistered | ONE_DOSSIER | PersonalDataErased):
            dossiers.add(id_text(data.dossier_id))
        elif isinstance(data, RecapCompiled | HandoverAccepted):
            dossiers.update(id_text(d) for d in data.dossier_ids)
        elif isinstance(data, LETTER_EVENTS):
            letters.add(id_text(data.letter_id))
            recaps.add(id_text(data.recap_id))
    return dossiers, recaps, letters


def dossiers_of_letters(events: Iterable[Envelope], recaps: Rows) -> set[str]:
    """The dossiers of the recaps the page's letters name (loaded, or compiled in the page)."""
    named: set[str] = set()
    compiled: dict[str, tuple[str, ...]] = {}
    for event in events:
        data = event.data
        if isinstance(data, RecapCompiled):
            compiled[id_text(data.recap_id)] = tuple(id_text(d) for d in data.dossier_ids)
        elif isinstance(data, LETTER_EVENTS):
            recap_id = id_text(data.recap_id)
            if recap_id in compiled:
                named.update(compiled[recap_id])
            elif (recap := recaps.get(recap_id)) is not None:
                named.update(orjson.loads(recap["dossier_ids"]))
    return named


@dataclass
class Cards:
    """One office's control cards, recaps and letters as a page leaves them."""

    office: str
    dossiers: Rows = field(default_factory=Rows)
    recaps: Rows = field(default_factory=Rows)
    letters: Rows = field(default_factory=Rows)
    steps: list[Row] = field(default_factory=list)

    def fold(self, event: Envelope, seq: int) -> None:
        """Fold one event (number `seq` of the archive) into the cards."""
        data = event.data
        at = as_utc(event.occurred_at)
        if isinstance(data, DocumentRegistered):
            self._initial(self._register(data, at), event, _line(event, seq, at))
            return
        if isinstance(data, RecapCompiled):
            recap_id = id_text(data.recap_id)
            self.recaps.add(recap_id, {
                "office": self.office, "recap_id": recap_id,
                "document_type": data.document_type.value,
                "dossier_ids": orjson.dumps(data.dossier_ids).decode(),
            })  # fmt: skip
        elif isinstance(data, LETTER_EVENTS):
            self._record_letter(data)
        elif isinstance(data, PersonalDataErased):
            # Not an SOP step: the card stays as it was, its personal fields read erased.
            dossier_id = id_text(data.dossier_id)
            erased = self.dossiers.get(dossier_id)
            if erased is not None:
                erased["nik"] = erased["name"] = erased["document_number"] = ERASED
                self.dossiers.touch(dossier_id)
            return
        elif isinstance(data, LogArchived):
            return  # the log's own housekeeping: on no card (it is in the archive, as all is)
        line = _line(event, seq, at)
        for dossier in self._dossiers_named(event):
            self._initial(dossier, event, line)

    def _register(self, data: DocumentRegistered, at: datetime) -> Row:
        dossier_id = id_text(data.dossier_id)
        dossier = self.dossiers.get(dossier_id)
        if dossier is None:
            dossier = self.dossiers.add(dossier_id, {
                "office": self.office, "dossier_id": dossier_id,
                "status": DossierStatus.REGISTERED.value, "registered_at": at, "last_step_at": at,
                "recap_id": None, "letter_id": None, "letter_number": None,
                "delivered_at": None, "returned_seq": None, "returned_at": None,
                "returned_reason": None, "returned_note": None, "received_back_at": None,
            })  # fmt: skip
        dossier["document_type"] = data.document_type.value
        dossier["document_number"] = data.document_number
        dossier["nik"], dossier["name"] = data.nik, data.name
        return dossier

    def _record_letter(self, data: LetterDrafted | LetterSigned | LetterRejected) -> None:
        letter_id = id_text(data.letter_id)
        letter = self.letters.get(letter_id)
        if letter is None:
            letter = self.letters.add(letter_id, {
                "office": self.office, "letter_id": letter_id, "recap_id": id_text(data.recap_id),
                "letter_number": None, "status": "",
            })  # fmt: skip
        if isinstance(data, LetterDrafted | LetterSigned):
            letter["letter_number"] = data.letter_number
        letter["status"] = LETTER_STATUS[data.type_name()]
        self.letters.touch(letter_id)

    def _dossiers_named(self, event: Envelope) -> Iterator[Row]:
        """Every dossier an event applies to: its own, its recap's, or the handover's list."""
        data = event.data
        ids: Iterable[UUID | str]
        if isinstance(data, RecapCompiled | HandoverAccepted):
            ids = data.dossier_ids
        elif isinstance(data, LETTER_EVENTS):
            recap = self.recaps.get(id_text(data.recap_id))
            ids = orjson.loads(recap["dossier_ids"]) if recap else []
        elif isinstance(data, ONE_DOSSIER):
            ids = [data.dossier_id]
        else:
            return
        for dossier_id in ids:
            key = dossier_id if isinstance(dossier_id, str) else id_text(dossier_id)
            dossier = self.dossiers.get(key)
            # An event naming a dossier this office never registered has no card to go on.
            if dossier is not None:
                yield dossier

    def _initial(self, dossier: Row, event: Envelope, line: Row) -> None:
        """Put the officer's initials for this event (`line`, see `_line`) on the dossier's
        card and move it on."""
        at = line["at"]
        first = event.type == "DocumentRegistered"
        self.steps.append({
            **line, "office": dossier["office"], "dossier_id": dossier["dossier_id"],
            "elapsed_seconds": None if first else elapsed_seconds(dossier["last_step_at"], at),
        })  # fmt: skip
        dossier["status"] = STATUS_AFTER_EVENT[event.type].value
        dossier["last_step_at"] = at
        data = event.data
        if isinstance(data, RecapCompiled):
            dossier["recap_id"] = id_text(data.recap_id)
        elif isinstance(data, LetterDrafted | LetterSigned):
            dossier["letter_id"] = id_text(data.letter_id)
            dossier["letter_number"] = data.letter_number
        elif isinstance(data, Delivered):
            dossier["delivered_at"] = at
        elif isinstance(data, Returned):
            dossier["returned_seq"], dossier["returned_at"] = line["seq"], at
            dossier["returned_reason"], dossier["returned_note"] = data.reason.value, data.note
            dossier["received_back_at"] = None
        elif isinstance(data, ReturnReceived):
            dossier["received_back_at"] = at
        self.dossiers.touch(dossier["dossier_id"])


def _line(event: Envelope, seq: int, at: datetime) -> Row:
    """What the event's line says on every card it initials, made once for them all."""
    actor = event.actor
    return {
        "seq": seq, "sop_step": SOP_STEP_OF_EVENT[event.type], "event": event.type,
        "role": actor.role.value, "officer_id": actor.officer_id, "officer_name": actor.name,
        "at": at,
    }  # fmt: skip
