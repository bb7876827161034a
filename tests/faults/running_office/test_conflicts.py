"""Officers who do the same thing at the same moment, through HTTP against the running
services: exactly one of them has an effect (one event in the log), the others get a 409
problem saying why."""

import asyncio
from collections import Counter
from collections.abc import Sequence

import httpx
import pytest
from redis.asyncio import Redis

from shared.keys import Keys
from shared.vocabulary import DocumentType
from tests.door_support import photo
from tests.faults.harness import Installation, bounded_client, headers
from tests.faults.running_office.conftest import PEOPLE
from tests.faults.steps import events_of, handover_ready, recap_awaiting_letter, register_all
from tests.faults.traffic import COURIER

pytestmark = pytest.mark.e2e


def statuses(answers: Sequence[httpx.Response]) -> Counter[int]:
    return Counter(answer.status_code for answer in answers)


def assert_conflicts_explained(answers: Sequence[httpx.Response]) -> None:
    for answer in answers:
        if answer.status_code == 409:
            assert answer.headers["content-type"].startswith("application/problem+json")
            assert answer.json()["detail"], answer.text


async def test_at_the_same_moment_one_officer_wins_and_the_others_get_409(
    office: Installation, redis: Redis
) -> None:
    keys = Keys("1471", office.key_prefix)
    people = [p for p in PEOPLE if p.document_type is DocumentType.KTP_EL][:3]
    async with bounded_client() as client:
        dossier_ids = await register_all(client, office, people)

        # Twenty FO desks compile the KTP-el recap at once.
        desks = [headers("FO", f"19850312201001{n:04d}", f"Petugas FO {n}") for n in range(20)]
        compiled = await asyncio.gather(
            *(
                client.post(
                    f"{office.url('intake')}/recaps", json={"document_type": "KTP_EL"}, headers=h
                )
                for h in desks
            )
        )
        assert statuses(compiled) == {201: 1, 409: 19}
        assert_conflicts_explained(compiled)
        [recap] = [answer.json() for answer in compiled if answer.status_code == 201]
        assert sorted(recap["dossier_ids"]) == sorted(dossier_ids)
        recaps_of_ours = [
            e
            for e in await events_of(redis, keys)
            if e.type == "RecapCompiled" and set(map(str, e.data.dossier_ids)) & set(dossier_ids)  # type: ignore[attr-defined]
        ]
        assert len(recaps_of_ours) == 1

        # Two Kasubbag Umum draft its cover letter at once.
        await recap_awaiting_letter(client, office, recap["recap_id"])
        kasubbag = [
            headers("KASUBBAG_UMUM", "197804142005012003", "Hj. Nurhayati"),
            headers("KASUBBAG_UMUM", "197901012006042001", "Yuliana, S.E."),
        ]
        drafted = await asyncio.gather(
            *(
                client.post(
                    f"{office.url('approval')}/letters",
                    json={"recap_id": recap["recap_id"]},
                    headers=h,
                )
                for h in kasubbag
            )
        )
        assert statuses(drafted) == {201: 1, 409: 1}
        assert_conflicts_explained(drafted)
        [letter] = [answer.json() for answer in drafted if answer.status_code == 201]
        drafts = [
            e
            for e in await events_of(redis, keys)
            if e.type == "LetterDrafted" and str(e.data.recap_id) == recap["recap_id"]  # type: ignore[attr-defined]
        ]
        assert len(drafts) == 1

        # Two Sekretaris sign it at once.
        sekretaris = [
            headers("SEKRETARIS", "197006201994031005", "Drs. H. Zulkarnain"),
            headers("SEKRETARIS", "196905121993032002", "Dra. Hj. Rosmawati"),
        ]
        signed = await asyncio.gather(
            *(
                client.post(
                    f"{office.url('approval')}/letters/{letter['letter_id']}/sign", headers=h
                )
                for h in sekretaris
            )
        )
        assert statuses(signed) == {200: 1, 409: 1}
        assert_conflicts_explained(signed)
        signatures = [
            e
            for e in await events_of(redis, keys)
            if e.type == "LetterSigned" and str(e.data.letter_id) == letter["letter_id"]  # type: ignore[attr-defined]
        ]
        assert len(signatures) == 1

        # The courier takes the handover, then reports one document delivered and returned
        # at the same moment (two devices of the same courier).
        await handover_ready(client, office, letter["letter_id"])
        accepted = await client.post(
            f"{office.url('courier')}/handovers/{letter['letter_id']}/accept", headers=COURIER
        )
        assert accepted.status_code == 200, accepted.text
        dossier_id = dossier_ids[0]
        outcomes = await asyncio.gather(
            client.post(
                f"{office.url('courier')}/deliveries/{dossier_id}/delivered",
                data={"recipient_name": people[0].name, "relationship": "SELF", "note": ""},
                files={"photo": ("serah-terima.jpg", photo(), "image/jpeg")},
                headers=COURIER,
            ),
            client.post(
                f"{office.url('courier')}/deliveries/{dossier_id}/returned",
                json={"reason": "RECIPIENT_NOT_HOME", "note": "Rumah kosong."},
                headers=COURIER,
            ),
        )
        assert statuses(outcomes) == {200: 1, 409: 1}
        assert_conflicts_explained(outcomes)
        at_the_door = [
            e
            for e in await events_of(redis, keys)
            if e.type in ("Delivered", "Returned") and str(e.data.dossier_id) == dossier_id  # type: ignore[attr-defined]
        ]
        assert len(at_the_door) == 1
        winner = "Delivered" if outcomes[0].status_code == 200 else "Returned"
        assert at_the_door[0].type == winner
