"""Separation of duties. The SOP's control card exists so that each step of a file is done
and initialled by a different officer: the same person on both sides of a handover would
make the card's initials meaningless. Each rule keeps one pair of steps apart; every office
is strict unless its settings relax a rule (a desk with a single FO cannot have another FO
resolve its flags)."""

from enum import StrEnum


class DutyRule(StrEnum):
    """A pair of steps of one file that two different officers take; its value is how the
    settings name the rule an office relaxes."""

    # approval: the Kasubbag Umum who drafted a letter does not sign or reject it
    SIGN_OWN_DRAFT = "sign-own-draft"
    # courier: whoever recorded a return as courier does not receive the document back
    RECEIVE_OWN_RETURN = "receive-own-return"
    # intake: the FO who raised a flag does not resolve it
    RESOLVE_OWN_FLAG = "resolve-own-flag"
