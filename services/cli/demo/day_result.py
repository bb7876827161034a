"""What an office day did, for the summary and the tables (`OfficeDay` fills it in)."""

from dataclasses import dataclass, field

from services.cli.demo.api import Json
from services.cli.demo.applicants import Applicant
from shared.vocabulary import ReturnReason


@dataclass
class DayResult:
    """What happened, for the summary and for the tables."""

    applicants: dict[str, Applicant] = field(default_factory=dict)  # by dossier id
    flagged_unsigned: list[str] = field(default_factory=list)
    turned_away: list[str] = field(default_factory=list)
    flag_resolved: str | None = None
    recaps: list[Json] = field(default_factory=list)
    letters: list[Json] = field(default_factory=list)  # the signed ones
    rejected: Json | None = None
    delivered: list[str] = field(default_factory=list)
    returned: dict[str, ReturnReason] = field(default_factory=dict)
    received_back: list[str] = field(default_factory=list)
    by_code: list[str] = field(default_factory=list)  # delivered against the receipt code
    by_photo: list[str] = field(default_factory=list)  # delivered with a photo as proof
    wrong_codes: int = 0
    attempts: int = 0  # failed delivery attempts before the returns
    tracking_codes: dict[str, str] = field(default_factory=dict)  # by dossier id
    report: Json = field(default_factory=dict)
    control_card: Json = field(default_factory=dict)

    def featured_dossier(self) -> str:
        """A dossier that went the whole way round: returned and received back, from the
        recap whose first letter was rejected if there is one."""
        rejected_recap = str((self.rejected or {}).get("recap_id"))
        in_rejected = {
            str(d)
            for recap in self.recaps
            if str(recap["recap_id"]) == rejected_recap
            for d in recap["dossier_ids"]
        }
        for candidates in (
            [d for d in self.received_back if d in in_rejected],
            self.received_back,
            self.delivered,
        ):
            if candidates:
                return candidates[0]
        raise AssertionError("nothing was delivered or received back")
