"""What the citizen is told, and how their tracking code is made and read: pure, no I/O."""

import uuid

from services.courier.notifications import compose
from services.courier.projections import CourierDossier
from shared.events import Actor, Delivered, DocumentRegistered, OutForDelivery, Returned, new_event
from shared.settings import CommonSettings
from shared.tracking import (
    ALPHABET,
    LENGTH,
    new_tracking_code,
    normalised_tracking_code,
    shown_tracking_code,
)
from shared.vocabulary import DocumentType, Relationship, ReturnReason, Role

COURIER = Actor(officer_id="kurir-7", name="Andi Kurir", role=Role.COURIER)
DOSSIER, LETTER = uuid.uuid4(), uuid.uuid4()
SETTINGS = CommonSettings(JASA_PUBLIC_URL="https://lacak.dukcapil.example/")
ROW = CourierDossier(
    office="1471",
    dossier_id=str(DOSSIER),
    name="Rina Marlina",
    phone="+6281234567890",
    address="Jl. Sudirman No. 12",
    document_type="KTP_EL",
    tracking_code="K7MW3QXP9RHT",
)


def text_of(data: object) -> tuple[str, dict[str, str]]:
    event = new_event(data, stream_id="s", actor=COURIER, office="1471")  # type: ignore[arg-type]
    return compose(SETTINGS, "", ROW, event)


def test_each_message_is_in_bahasa_indonesia_with_the_tracking_link_and_no_personal_data() -> None:
    registered = DocumentRegistered(
        dossier_id=DOSSIER,
        nik="1471014506900003",
        name="Rina Marlina",
        address="Jl. Sudirman No. 12",
        phone="+6281234567890",
        document_type=DocumentType.KTP_EL,
        document_number="1471014506900003",
        tracking_code="K7MW3QXP9RHT",
    )
    messages = [
        text_of(registered),
        text_of(OutForDelivery(dossier_id=DOSSIER, letter_id=LETTER, receipt_code="482913")),
        text_of(
            Delivered(
                dossier_id=DOSSIER,
                letter_id=LETTER,
                recipient_name="Rina Marlina",
                relationship=Relationship.SELF,
                note="",
            )
        ),
        text_of(
            Returned(dossier_id=DOSSIER, letter_id=LETTER, reason=ReturnReason.REFUSED, note="")
        ),
    ]
    for text, params in messages:
        assert text.startswith("Dukcapil: ") and "KTP Elektronik" in text
        assert text.endswith("Lacak: https://lacak.dukcapil.example/lacak/K7MW3QXP9RHT")
        for personal in ("Rina", "1471014506900003", "Sudirman No. 12", "812345"):
            assert personal not in text
        assert params["tracking_code"] == "K7MW-3QXP-9RHT"
    assert "Kode terima: 482913" in messages[1][0]
    assert "telah diserahkan pada" in messages[2][0] and "WIB" in messages[2][0]
    returned = messages[3][0]
    assert "Silakan ambil di Kantor Dinas Kependudukan" in returned
    assert "Senin-Jumat pukul 08.00-15.00 WIB" in returned


def test_a_tracking_code_is_unguessable_and_read_back_as_people_type_it() -> None:
    codes = {new_tracking_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(len(code) == LENGTH >= 10 and set(code) <= set(ALPHABET) for code in codes)
    assert not set("ILOU") & set(ALPHABET) and len(ALPHABET) == 32
    assert normalised_tracking_code(" k7mw-3qxp 9rht ") == "K7MW3QXP9RHT"
    assert normalised_tracking_code("K7MW3QXP9RHO") == "K7MW3QXP9RH0"  # O read as zero
    assert normalised_tracking_code("K7MW3QXP9RH") is None  # one short
    assert normalised_tracking_code("K7MW3QXP9RHU") is None  # U is in no code
    assert shown_tracking_code("K7MW3QXP9RHT") == "K7MW-3QXP-9RHT"
