"""Which offices relax which rule of the separation of duties (JASA_RELAXED_DUTIES)."""

import pytest
from pydantic import ValidationError

from shared.duties import DutyRule
from shared.settings import ServiceSettings


def from_environment(monkeypatch: pytest.MonkeyPatch, relaxed: str | None) -> ServiceSettings:
    if relaxed is None:
        monkeypatch.delenv("JASA_RELAXED_DUTIES", raising=False)
    else:
        monkeypatch.setenv("JASA_RELAXED_DUTIES", relaxed)
    return ServiceSettings()


@pytest.mark.parametrize("rule", list(DutyRule))
def test_every_office_keeps_every_rule_unless_told_otherwise(
    monkeypatch: pytest.MonkeyPatch, rule: DutyRule
) -> None:
    settings = from_environment(monkeypatch, None)
    assert settings.separates_duties("1471", rule)
    assert settings.separates_duties("1401", rule)


def test_an_office_relaxes_only_the_rules_it_names(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = from_environment(
        monkeypatch, '{"1471": ["resolve-own-flag", "receive-own-return"], "1401": []}'
    )
    assert not settings.separates_duties("1471", DutyRule.RESOLVE_OWN_FLAG)
    assert not settings.separates_duties("1471", DutyRule.RECEIVE_OWN_RETURN)
    assert settings.separates_duties("1471", DutyRule.SIGN_OWN_DRAFT)
    assert settings.separates_duties("1401", DutyRule.RESOLVE_OWN_FLAG)
    assert settings.separates_duties("1403", DutyRule.RESOLVE_OWN_FLAG)


@pytest.mark.parametrize(
    ("given", "complaint"),
    [
        ('{"1471": ["sign-own-letter"]}', "sign-own-draft"),
        ('{"Pekanbaru": ["resolve-own-flag"]}', "region code"),
        ('["resolve-own-flag"]', "valid dictionary"),
    ],
)
def test_a_setting_that_names_an_unknown_rule_or_office_is_refused_at_start(
    monkeypatch: pytest.MonkeyPatch, given: str, complaint: str
) -> None:
    with pytest.raises(ValidationError, match=complaint):
        from_environment(monkeypatch, given)
