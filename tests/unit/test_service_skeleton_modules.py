"""The four services share one skeleton: the same modules under the same names, and one
suffix for what their routes answer with, so a reader who knows one service knows all four."""

import importlib
import typing
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import APIRouter
from fastapi.routing import APIRoute
from pydantic import BaseModel

from shared.http.pagination import Page

SERVICES_DIR = Path(__file__).resolve().parents[2] / "services"
SERVICES = ["intake", "approval", "courier", "reporting"]

SKELETON = {
    "__init__.py",
    "config.py",
    "domain.py",
    "commands.py",
    "queries.py",
    "http.py",
    "pages.py",
    "projections.py",
    "consumers.py",
    "main.py",
}
# Reporting writes nothing to the log: it has no commands.
WITHOUT = {"reporting": {"commands.py"}}
PRINTS = {"intake", "approval", "reporting"}
OWN = {
    "intake": {"registry.py", "search.py"},
    "approval": {"numbering.py"},
    # The citizen's door (issue 28): photo proofs, and messages through an outbox; webhooks.
    "courier": {
        "feed.py",
        "feed_access.py",
        "photos.py",
        "photo_bucket.py",  # the photo store in an S3-compatible bucket
        "photo_stores.py",  # which of the two an installation uses
        "notifications.py",
        "notifier.py",
        "webhooks.py",
    },
    "reporting": {
        "archive.py",
        "archivist.py",
        "belongings.py",  # what else of a finished dossier leaves Redis with its events
        "entry_flaws.py",  # what an entry's stored fields say against its event
        "export.py",  # the archive's checkpointed segments as files for cold storage
        "finished.py",
        "folding.py",
        "last_verification.py",  # the office's last check of its log, for the audit screen
        "leaving.py",  # which archived events may leave Redis, checked against the chain
        "replay.py",
        "run_lock.py",  # one `jasa log archive` run at a time, on a lease
        "sealing.py",
        "tracking.py",  # the citizen's public page
        "trimming.py",
        "verification.py",
    },
}


def modules_of(service: str, root: Path = SERVICES_DIR) -> set[str]:
    """A service's modules by their skeleton names: a module grown into a package of the same
    name (`pages/__init__.py`, one module a screen) counts as that module."""
    folder = root / service
    packages = {f"{path.parent.name}.py" for path in folder.glob("*/__init__.py")}
    return {path.name for path in folder.glob("*.py")} | packages


def test_a_package_counts_as_the_module_of_its_name_and_a_plain_folder_not(
    tmp_path: Path,
) -> None:
    (tmp_path / "demo" / "pages").mkdir(parents=True)
    (tmp_path / "demo" / "pages" / "__init__.py").write_text("")
    (tmp_path / "demo" / "pages" / "door.py").write_text("")
    (tmp_path / "demo" / "templates").mkdir()
    (tmp_path / "demo" / "http.py").write_text("")
    assert modules_of("demo", tmp_path) == {"pages.py", "http.py"}


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_has_the_skeleton_modules_and_only_its_own_besides(service: str) -> None:
    papers = {"papers.py"} if service in PRINTS else set()
    expected = (SKELETON - WITHOUT.get(service, set())) | papers | OWN[service]
    assert modules_of(service) == expected


def test_the_services_that_print_keep_their_papers_under_one_name() -> None:
    printing = {service for service in SERVICES if "papers.py" in modules_of(service)}
    assert printing == PRINTS


def routes_of(service: str) -> list[APIRoute]:
    http = importlib.import_module(f"services.{service}.http")
    routers = [value for value in vars(http).values() if isinstance(value, APIRouter)]
    return [route for router in routers for route in router.routes if isinstance(route, APIRoute)]


def models_in(annotation: object) -> Iterator[type[BaseModel]]:
    """Every pydantic model an answer of this type is made of, a Page's items included."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if not issubclass(annotation, Page):
            yield annotation
        for field in annotation.model_fields.values():
            yield from models_in(field.annotation)
    for argument in typing.get_args(annotation):
        yield from models_in(argument)


def answers_of(route: APIRoute) -> set[type[BaseModel]]:
    returned = typing.get_type_hints(route.endpoint).get("return")
    return {*models_in(route.response_model), *models_in(returned)}


@pytest.mark.parametrize("service", SERVICES)
def test_every_model_a_route_answers_with_is_named_public(service: str) -> None:
    routes = routes_of(service)
    answered = {model for route in routes for model in answers_of(route)}
    assert answered, f"{service}'s routes answer with no model at all"
    assert sorted(m.__name__ for m in answered if not m.__name__.endswith("Public")) == []


def test_a_page_of_public_models_counts_as_public() -> None:
    class ThingPublic(BaseModel):
        name: str

    class ThingOut(BaseModel):
        name: str

    assert set(models_in(Page[ThingPublic])) == {ThingPublic}
    assert set(models_in(Page[ThingOut] | None)) == {ThingOut}
