"""The shared validation types: every rule, good and bad, with the message a person reads."""

from datetime import date

import pytest
from pydantic import BaseModel, ValidationError

from shared.validation import (
    Address,
    DocumentNumber,
    IndonesianMobile,
    Nik,
    NomorKK,
    Note,
    PersonName,
    birth_date_of_nik,
)


class Form(BaseModel):
    nik: Nik | None = None
    kk: NomorKK | None = None
    phone: IndonesianMobile | None = None
    name: PersonName | None = None
    address: Address | None = None
    note: Note | None = None
    document_number: DocumentNumber | None = None


def error_of(**fields: object) -> tuple[str, str]:
    with pytest.raises(ValidationError) as caught:
        Form(**fields)
    (error,) = caught.value.errors()
    return ".".join(str(part) for part in error["loc"]), error["msg"]


# --- NIK --------------------------------------------------------------------------------


def test_a_man_s_nik_is_accepted() -> None:
    assert Form(nik="1471011708450001").nik == "1471011708450001"


def test_a_woman_s_nik_carries_her_birth_day_plus_forty() -> None:
    assert Form(nik="1471015708450001").nik == "1471015708450001"
    assert birth_date_of_nik("1471015708450001") == date(1945, 8, 17)


def test_separators_around_and_inside_a_nik_are_dropped() -> None:
    assert Form(nik=" 1471 0145 0690 0003 ").nik == "1471014506900003"


def test_the_century_is_the_most_recent_one_that_is_not_in_the_future() -> None:
    assert birth_date_of_nik("1471010101100001", today=date(2026, 1, 1)) == date(2010, 1, 1)
    assert birth_date_of_nik("1471010101900001", today=date(2026, 1, 1)) == date(1990, 1, 1)
    assert birth_date_of_nik("1471012902000001", today=date(2026, 1, 1)) == date(2000, 2, 29)


@pytest.mark.parametrize(
    ("nik", "message"),
    [
        ("147101170845000", "must be exactly 16 digits"),
        ("14710117084500011", "must be exactly 16 digits"),
        ("14710117084500A1", "must be exactly 16 digits"),
        ("9971011708450001", "(9971) are not an Indonesian province and regency"),
        ("1499011708450001", "(1499) are not an Indonesian province and regency"),
        ("1471001708450001", "the district) must not be 00"),
        ("1471013102900001", "are not a real birth date"),  # 31 February
        ("1471017102900001", "are not a real birth date"),  # a woman's 31 February
        ("1471013213900001", "are not a real birth date"),  # month 13
        ("1471010001900001", "are not a real birth date"),  # day 0
        ("1471013501900001", "are not a real birth date"),  # day 35: neither man nor woman
        ("1471011708450000", "serial) must not be 0000"),
    ],
)
def test_a_bad_nik_is_refused_saying_why(nik: str, message: str) -> None:
    field, text = error_of(nik=nik)
    assert field == "nik"
    assert message in text


def test_a_nik_must_be_text() -> None:
    assert "must be text" in error_of(nik=1471011708450001)[1]


# --- Nomor KK ---------------------------------------------------------------------------


def test_a_nomor_kk_is_accepted() -> None:
    assert Form(kk="1471011203150007").kk == "1471011203150007"


@pytest.mark.parametrize(
    ("kk", "message"),
    [
        ("14710112031500", "must be exactly 16 digits"),
        ("9971011203150007", "are not an Indonesian province and regency"),
        ("1471013102150007", "are not a real issuance date"),
        ("1471015203150007", "are not a real issuance date"),  # no +40 on a KK
        ("1471011203150000", "serial) must not be 0000"),
    ],
)
def test_a_bad_nomor_kk_is_refused_saying_why(kk: str, message: str) -> None:
    field, text = error_of(kk=kk)
    assert field == "kk"
    assert message in text


# --- mobile numbers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "phone",
    ["081234567890", "6281234567890", "+6281234567890", "0812-3456-7890", "+62 812 3456 7890"],
)
def test_a_mobile_number_in_every_usual_form_is_kept_as_e164(phone: str) -> None:
    assert Form(phone=phone).phone == "+6281234567890"


@pytest.mark.parametrize(
    ("phone", "message"),
    [
        ("81234567890", "must start with 08, 628 or +628"),
        ("+6581234567", "must start with 08, 628 or +628"),
        ("0761123456", "not a landline"),
        ("+62761123456", "not a landline"),
        ("0812(3456)7890", "only digits, spaces and dashes"),
        ("08123", "not a valid Indonesian mobile number"),
        ("0812345678901234", "not a valid Indonesian mobile number"),
        ("", "must start with 08, 628 or +628"),
    ],
)
def test_a_number_that_is_not_an_indonesian_mobile_is_refused(phone: str, message: str) -> None:
    field, text = error_of(phone=phone)
    assert field == "phone"
    assert message in text


# --- names, addresses, notes, document numbers -------------------------------------------


def test_names_and_addresses_are_trimmed() -> None:
    form = Form(name="  Rina Marlina ", address=" Jl. Sudirman No. 12 ")
    assert (form.name, form.address) == ("Rina Marlina", "Jl. Sudirman No. 12")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "   ", "the name must not be empty"),
        ("name", "x" * 101, "at most 100 characters"),
        ("name", "Rina\x00Marlina", "must not hold control characters"),
        ("name", "Rina\u202eMarlina", "must not hold control characters"),
        ("address", "", "the address must not be empty"),
        ("address", "x" * 301, "at most 300 characters"),
        ("address", "Jl. Sudirman\nNo. 12", "must not hold control characters"),
        ("note", "x" * 501, "at most 500 characters"),
        ("note", "salah\tketik", "must not hold control characters"),
        ("document_number", " ", "the document number must not be empty"),
        ("document_number", "A" * 65, "at most 64 characters"),
        ("document_number", "KTP<script>", "only letters, digits, spaces and / . -"),
        ("name", 42, "must be text"),
    ],
)
def test_bad_text_is_refused_saying_why(field: str, value: object, message: str) -> None:
    name, text = error_of(**{field: value})
    assert name == field
    assert message in text


def test_a_note_may_be_empty_but_a_name_may_not() -> None:
    assert Form(note="  ").note == ""
    assert error_of(name="")[0] == "name"


def test_a_name_of_exactly_the_limit_is_accepted() -> None:
    assert Form(name="x" * 100).name == "x" * 100


def test_document_numbers_with_the_usual_separators_are_accepted() -> None:
    assert Form(document_number="1471-LT-12012020-0001").document_number == (
        "1471-LT-12012020-0001"
    )
