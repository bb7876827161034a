"""Reading dossiers: one by id, or a page of them by status and document type."""

import uuid

import pytest

from shared.vocabulary import DocumentType
from tests.conftest import token_for
from tests.integration.intake.conftest import AUDITOR, COURIER, FO, KASUBBAG, Desk, eventually


async def test_dossiers_are_listed_by_status_and_type_page_by_page(desk: Desk) -> None:
    kk = [await desk.registered_and_seen(DocumentType.KK) for _ in range(5)]
    flagged = await desk.registered_and_seen(DocumentType.KK, signed=False)
    await desk.registered_and_seen(DocumentType.KIA)

    seen: list[str] = []
    cursor = None
    while True:
        params = {"status": "REGISTERED", "document_type": "KK", "limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = (await desk.client.get("/dossiers", params=params, headers=KASUBBAG)).json()
        assert len(page["items"]) <= 2
        seen += [item["dossier_id"] for item in page["items"]]
        cursor = page["next"]
        if cursor is None:
            break
    assert seen == [d["dossier_id"] for d in kk]

    only_flagged = await eventually(
        lambda: desk.client.get("/dossiers", params={"status": "FLAGGED"}, headers=FO)
    )
    assert [d["dossier_id"] for d in only_flagged["items"]] == [flagged["dossier_id"]]
    everything = (await desk.client.get("/dossiers", headers=FO)).json()
    assert len(everything["items"]) == 7 and everything["next"] is None


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "LOST"}, "status"),
        ({"document_type": "SIM"}, "document_type"),
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"cursor": "%%%"}, "cursor"),
    ],
)
async def test_a_bad_filter_is_a_422_naming_it(
    desk: Desk, params: dict[str, object], field: str
) -> None:
    response = await desk.client.get("/dossiers", params=params, headers=FO)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


async def test_an_unknown_dossier_is_a_404(desk: Desk) -> None:
    response = await desk.client.get(f"/dossiers/{uuid.uuid4()}", headers=FO)
    assert response.status_code == 404
    assert "no dossier" in response.json()["detail"]


@pytest.mark.parametrize("headers", [COURIER, AUDITOR])
async def test_the_courier_and_the_auditor_do_not_read_dossiers_here(
    desk: Desk, headers: dict[str, str]
) -> None:
    assert (await desk.client.get("/dossiers", headers=headers)).status_code == 403
    response = await desk.client.get(f"/dossiers/{uuid.uuid4()}", headers=headers)
    assert response.status_code == 403


async def test_reading_needs_a_valid_token(desk: Desk) -> None:
    assert (await desk.client.get("/dossiers")).status_code == 401
    expired_or_forged = {"Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.e30.x"}
    assert (await desk.client.get("/dossiers", headers=expired_or_forged)).status_code == 401
    other_office = token_for("FO", office="3171")
    assert (await desk.client.get("/dossiers", headers=other_office)).status_code == 403


async def test_every_route_has_a_one_line_summary_in_openapi(desk: Desk) -> None:
    openapi = (await desk.client.get("/openapi.json")).json()
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            assert operation.get("description"), f"{method.upper()} {path} has no docstring"
