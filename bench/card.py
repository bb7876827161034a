"""The control-card projection both logs are replayed into: each dossier's status and its
initialled lines (SOP step, role, officer, time), kept in memory so that the comparison
measures the logs, not a database."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.reporting.domain import SOP_STEP_OF_EVENT
from shared.vocabulary import STATUS_AFTER_EVENT


@dataclass
class ControlCards:
    status: dict[str, str] = field(default_factory=dict)
    lines: dict[str, list[tuple[int, str, str, datetime]]] = field(default_factory=dict)
    recaps: dict[str, list[str]] = field(default_factory=dict)

    def apply(self, kind: str, data: Any, role: str, officer_id: str, at: datetime) -> None:
        """Fold one event (its type, data with attributes, actor and time) into the cards."""
        if kind == "RecapCompiled":
            self.recaps[str(data.recap_id)] = [str(d) for d in data.dossier_ids]
        if hasattr(data, "dossier_id"):
            dossiers = [str(data.dossier_id)]
        elif hasattr(data, "dossier_ids"):
            dossiers = [str(d) for d in data.dossier_ids]
        else:
            dossiers = self.recaps.get(str(data.recap_id), [])
        for dossier in dossiers:
            self.status[dossier] = STATUS_AFTER_EVENT[kind].value
            line = (SOP_STEP_OF_EVENT[kind], role, officer_id, at)
            self.lines.setdefault(dossier, []).append(line)
