"""A page's form errors are told in Bahasa Indonesia, one sentence beside each field."""

import pytest
from pydantic import ValidationError

from services.intake.http import RegistrationRequest
from services.intake.pages import LABELS
from shared.web.forms import field_errors

GOOD = {
    "nik": "1471014506900003",
    "name": "Rina Marlina",
    "address": "Jl. Sudirman No. 12, Pekanbaru",
    "phone": "0812-3456-7890",
    "document_type": "KTP_EL",
    "document_number": "1471014506900003",
}


def errors_of(**changes: str) -> dict[str, str]:
    with pytest.raises(ValidationError) as raised:
        RegistrationRequest.model_validate({**GOOD, **changes})
    return field_errors(raised.value, LABELS)


def test_a_form_that_is_right_passes() -> None:
    assert RegistrationRequest.model_validate(GOOD).nik == GOOD["nik"]


def test_each_wrong_field_gets_its_own_sentence() -> None:
    assert errors_of(nik="1234", name="  ", phone="0761-123456", document_type="") == {
        "nik": "NIK harus tepat 16 angka.",
        "name": "Nama wajib diisi.",
        "phone": "Nomor HP harus nomor seluler, bukan telepon rumah.",
        "document_type": "Pilih jenis dokumen dari daftar.",
    }


def test_a_nik_whose_date_is_not_a_birth_date_says_so() -> None:
    assert errors_of(nik="1471019906900003")["nik"].startswith(
        "Angka ke-7 sampai ke-12 NIK bukan tanggal lahir yang sah"
    )


def test_an_overlong_address_names_the_limit() -> None:
    assert errors_of(address="x" * 301) == {
        "address": "Alamat pengiriman terlalu panjang (paling banyak 300 karakter)."
    }
