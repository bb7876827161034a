"""Which offices an installation serves, and the office a command acts for by default."""

import pytest
from pydantic import ValidationError

from shared.context import build_context
from shared.errors import Forbidden
from shared.settings import ServiceSettings


def settings(**values: str) -> ServiceSettings:
    return ServiceSettings(redis_url="redis://127.0.0.1:1/0", secret="x" * 40, **values)


def test_an_installation_serves_its_one_office_unless_told_more() -> None:
    assert settings(office="1471").served_offices() == ["1471"]
    assert settings(office="1471").default_office() == "1471"


def test_the_offices_served_come_in_the_order_given_without_repeats() -> None:
    served = settings(office="1401", offices=" 1471, 1401 ,1471,")
    assert served.served_offices() == ["1471", "1401"]
    assert served.default_office() == "1401"


def test_the_default_office_is_the_first_served_when_jasa_office_is_not_served() -> None:
    assert settings(office="1471", offices="1401,1403").default_office() == "1401"


@pytest.mark.parametrize("given", ["14{71}", "Pekanbaru", "1471,14 01", "1"])
def test_an_office_is_a_region_code_since_it_names_keys_and_hash_tags(given: str) -> None:
    with pytest.raises(ValidationError, match="region code"):
        settings(offices=given)


def test_each_office_served_has_its_own_log_and_keys() -> None:
    context = build_context(settings(office="1471", offices="1471,1401"))
    assert context.offices == ["1471", "1401"]
    assert context.log_for("1401").keys.log == "jasa:{1401}:log"
    assert context.keys_for("1471").courier_feed == "jasa:{1471}:courier-feed"
    assert context.log is context.log_for("1471")
    with pytest.raises(Forbidden, match="does not serve office 3171"):
        context.log_for("3171")
