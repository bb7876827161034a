"""schemathesis over every service's OpenAPI: each service in process with its lifespan
(tables, consumer), each operation called with a token of a role it lets in, with inputs the
schema allows and inputs it does not. No answer may be a server error, and an answer whose
schema the document gives must match it. Bounded: a few examples per operation."""

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from services.approval.main import create_app as approval_app
from services.courier.main import create_app as courier_app
from services.intake.main import create_app as intake_app
from services.reporting.main import create_app as reporting_app
from tests.conftest import token_for

APPS = {
    "intake": intake_app,
    "approval": approval_app,
    "courier": courier_app,
    "reporting": reporting_app,
}
EXAMPLES = {GenerationMode.POSITIVE: 6, GenerationMode.NEGATIVE: 4}


ROLES = ("FO", "KASUBBAG_UMUM", "SEKRETARIS", "COURIER", "AUDITOR")
QUICK = settings(
    deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck)
)


def a_role_it_lets_in(operation: Any) -> str:
    """The first role whose token is not refused (401/403) on a valid call of `operation`."""
    answers: dict[str, int] = {}

    @given(case=operation.as_strategy())
    @settings(QUICK, max_examples=1)
    def call_as_every_role(case: Any) -> None:
        for role in ROLES:
            answers.setdefault(role, case.call(headers=token_for(role)).status_code)

    call_as_every_role()
    let_in = [role for role, status in answers.items() if status not in (401, 403)]
    assert let_in, f"{operation.label} lets no role in: {answers}"
    return let_in[0]


@pytest.fixture(params=list(APPS))
def schema(request: pytest.FixtureRequest, service_env: dict[str, str]) -> Any:
    return schemathesis.openapi.from_asgi("/openapi.json", APPS[request.param]())


def exercise(operation: Any, mode: GenerationMode, examples: int, headers: dict[str, str]) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(QUICK, max_examples=examples)
    def answers_without_a_server_error(case: Any) -> None:
        case.call_and_validate(
            headers=headers, checks=[not_a_server_error, response_schema_conformance]
        )

    try:
        answers_without_a_server_error()
    except Unsatisfiable:
        # Nothing to get wrong: an operation without parameters or body has no invalid call.
        assert mode is GenerationMode.NEGATIVE, operation.label


def test_no_operation_of_any_service_answers_with_a_server_error(schema: Any) -> None:
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 5
    for operation in operations:
        headers = token_for(a_role_it_lets_in(operation))
        for mode, examples in EXAMPLES.items():
            exercise(operation, mode, examples, headers)
