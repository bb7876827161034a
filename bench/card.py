"""The control-card projection both logs are replayed into: each dossier's status and its
initialled lines (SOP step, role, officer, time), kept in memory so that the comparison
measures the logs, not a database.

Ids are kept as each log hands them over (UUIDs from ours, text from eventsourcing's plain
dicts); `as_text` puts both in one form to compare them."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.reporting.domain import SOP_STEP_OF_EVENT
from shared.vocabulary import STATUS_AFTER_EVENT

Line = tuple[int, str, str, datetime]


@dataclass
class ControlCards:
    status: dict[Any, str] = field(default_factory=dict)
    lines: dict[Any, list[Line]] = field(default_factory=dict)
    recaps: dict[Any, Any] = field(default_factory=dict)

    def apply(self, kind: str, data: Any, role: str, officer_id: str, at: datetime) -> None:
        """Fold one event (its type, data with attributes, actor and time) into the cards."""
        fields = vars(data)  # a pydantic model's fields, or a plain object's attributes
        if kind == "RecapCompiled":
            self.recaps[fields["recap_id"]] = fields["dossier_ids"]
        if (dossier := fields.get("dossier_id")) is not None:
            dossiers = (dossier,)
        else:
            dossiers = fields.get("dossier_ids") or self.recaps.get(fields["recap_id"], ())
        status = STATUS_AFTER_EVENT[kind].value
        line = (SOP_STEP_OF_EVENT[kind], role, officer_id, at)
        for dossier in dossiers:
            self.status[dossier] = status
            self.lines.setdefault(dossier, []).append(line)

    def as_text(self) -> "ControlCards":
        """The same cards, every id as text."""
        return ControlCards(
            {str(k): v for k, v in self.status.items()},
            {str(k): v for k, v in self.lines.items()},
            {str(k): [str(d) for d in v] for k, v in self.recaps.items()},
        )
