"""Registering a document for home delivery at the FO desk."""

from tests.integration.intake.conftest import FO, Desk


async def test_a_signed_document_in_the_registry_is_registered(desk: Desk) -> None:
    entry = await desk.in_registry()
    response = await desk.client.post("/dossiers", json=desk.application(entry), headers=FO)
    assert response.status_code == 201, response.text
    dossier = response.json()
    assert dossier["status"] == "REGISTERED"
    assert dossier["phone"] == "+6281234567890"
    assert dossier["flagged"] is False
    assert dossier["registered_by"]["name"] == "Siti Rahma"
    seen = await desk.seen(dossier["dossier_id"])
    assert seen["status"] == "REGISTERED"
    assert seen["nik"] == entry.nik
