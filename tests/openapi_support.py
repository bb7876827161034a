"""Holding an error answer against what a service's OpenAPI document declares for it."""

import copy
from typing import Any

import httpx
import jsonschema_rs

PROBLEM_JSON = "application/problem+json"


def declared_problem(document: dict[str, Any], method: str, path: str, status: int) -> Any:
    """The schema `document` declares for a problem answer of one operation (KeyError: none)."""
    response = document["paths"][path][method.lower()]["responses"][str(status)]
    return response["content"][PROBLEM_JSON]["schema"]


def assert_answers_as_declared(
    document: dict[str, Any], method: str, path: str, answer: httpx.Response
) -> None:
    """`answer` is a problem its operation declares, and valid against the declared schema,
    with no member the schema does not name (the document tells the whole truth)."""
    label = f"{method.upper()} {path} {answer.status_code}"
    assert answer.headers["content-type"] == PROBLEM_JSON, f"{label}: {answer.text}"
    try:
        schema = declared_problem(document, method, path, answer.status_code)
    except KeyError:
        raise AssertionError(f"{label} is answered but not declared: {answer.text}") from None
    components = copy.deepcopy(document["components"])
    for component in components["schemas"].values():
        component.setdefault("additionalProperties", False)
    validator = jsonschema_rs.validator_for(
        {**schema, "components": components}, validate_formats=True
    )
    errors = [error.message for error in validator.iter_errors(answer.json())]
    assert not errors, f"{label}: {answer.json()} does not match its declaration: {errors}"
