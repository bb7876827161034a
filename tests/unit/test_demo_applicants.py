"""The demo's applicants look like Pekanbaru's: valid NIKs with real birth dates, valid
mobile numbers, full addresses, document numbers in their real shapes, never repeated."""

import csv
import re
from datetime import date
from pathlib import Path
from random import Random

import phonenumbers
import pytest
import stdnum.id.nik

from services.cli.demo import population
from services.cli.demo.applicants import (
    CSV_COLUMNS,
    applicants,
    birth_date_of,
    nik,
    registry,
    write_registry_csv,
)
from services.cli.demo.outcomes import Delivered, Returned, at_the_door
from shared.vocabulary import DocumentType, Relationship

TODAY = date(2026, 11, 24)


@pytest.fixture(scope="module")
def day() -> list:  # type: ignore[type-arg]
    return applicants(500, Random(1471), TODAY)


def years(born: date) -> float:
    return (TODAY - born).days / 365.25


def test_a_womans_nik_carries_her_birth_day_plus_40() -> None:
    assert nik("01", date(1990, 6, 5), female=True, serial=3) == "1471014506900003"
    assert nik("12", date(2001, 12, 31), female=False, serial=9999) == "1471123112019999"


def test_a_nik_serial_is_never_0000() -> None:
    with pytest.raises(ValueError):
        nik("01", date(1990, 6, 5), female=False, serial=0)


def test_every_nik_is_pekanbarus_and_encodes_the_real_birth_date_and_sex(day: list) -> None:  # type: ignore[type-arg]
    for person in day:
        assert re.fullmatch(r"1471\d{12}", person.nik)
        assert person.nik[4:6] in population.KECAMATAN
        assert person.nik[-4:] != "0000"
        born, female = birth_date_of(person.nik, person.birth_date.year // 100 * 100)
        assert (born, female) == (person.birth_date, person.female)
        assert stdnum.id.nik.is_valid(person.nik)


def test_each_document_is_for_someone_of_the_right_age(day: list) -> None:  # type: ignore[type-arg]
    for person in day:
        age = years(person.birth_date)
        if person.document_type is DocumentType.KTP_EL:
            assert 17 <= age < 76
        elif person.document_type is DocumentType.KK:
            assert age >= 21
        elif person.document_type is DocumentType.KIA:
            assert age < 17
        else:
            assert age <= 5


def test_every_phone_is_a_valid_indonesian_mobile_number(day: list) -> None:  # type: ignore[type-arg]
    for person in day:
        assert re.fullmatch(r"(0|62|\+62)8\d{8,10}", person.phone), person.phone
        number = phonenumbers.parse(person.phone, "ID")
        assert phonenumbers.is_valid_number(number), person.phone
        assert phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE


def test_addresses_name_street_rt_rw_kelurahan_and_kecamatan_in_pekanbaru(day: list) -> None:  # type: ignore[type-arg]
    pattern = r".+ No\. \d+, RT \d{3}/RW \d{3}, Kel\. [A-Za-z ]+, Kec\. ([A-Za-z ]+), Pekanbaru"
    for person in day:
        found = re.fullmatch(pattern, person.address)
        assert found, person.address
        kecamatan, _ = population.KECAMATAN[person.nik[4:6]]
        assert found.group(1) == kecamatan
        assert len(person.address) <= 200


def test_document_numbers_have_their_documents_shapes(day: list) -> None:  # type: ignore[type-arg]
    for person in day:
        number = person.document_number
        if person.document_type in (DocumentType.KTP_EL, DocumentType.KIA):
            assert number == person.nik
        elif person.document_type is DocumentType.KK:
            assert re.fullmatch(r"1471\d{12}", number) and number != person.nik
        else:
            assert re.fullmatch(r"1471-L[UT]-\d{8}-\d{4}", number), number


def test_no_nik_and_no_document_number_is_given_twice(day: list) -> None:  # type: ignore[type-arg]
    assert len({person.nik for person in day}) == len(day)
    assert len({person.document_number for person in day}) == len(day)


def test_a_day_has_all_four_document_types_and_names_that_differ(day: list) -> None:  # type: ignore[type-arg]
    assert {person.document_type for person in applicants(4, Random(7), TODAY)} == set(DocumentType)
    assert len({person.name for person in day}) > 150


def test_the_same_seed_gives_the_same_day() -> None:
    assert applicants(50, Random(3), TODAY) == applicants(50, Random(3), TODAY)
    assert applicants(50, Random(3), TODAY) != applicants(50, Random(4), TODAY)


def test_the_registry_holds_every_applicant_a_few_unsigned_and_others(
    day: list,  # type: ignore[type-arg]
    tmp_path: Path,
) -> None:
    rows = registry(day, Random(9), TODAY)
    numbers = {row.document_number for row in rows}
    assert {person.document_number for person in day} <= numbers
    assert len(rows) > len(day)
    assert 0 < sum(not row.signed for row in rows) < len(day) // 10

    path = write_registry_csv(tmp_path / "registry.csv", rows)
    with path.open(newline="") as file:
        read = list(csv.DictReader(file))
    assert tuple(read[0]) == CSV_COLUMNS
    assert len(read) == len(rows)
    assert {line["signed"] for line in read} == {"true", "false"}
    assert {line["document_type"] for line in read} == {t.value for t in DocumentType}


def test_at_the_door_most_are_delivered_a_childs_to_the_parent_and_some_come_back(
    day: list,  # type: ignore[type-arg]
) -> None:
    rng = Random(5)
    outcomes = [(person, at_the_door(person, rng)) for person in day]
    returned = [outcome for _, outcome in outcomes if isinstance(outcome, Returned)]
    assert 0 < len(returned) < len(day) // 4
    assert all(outcome.note for outcome in returned)
    for person, outcome in outcomes:
        if isinstance(outcome, Delivered) and person.is_child:
            assert outcome.relationship in (Relationship.FAMILY, Relationship.OTHER)
            assert outcome.recipient_name != person.name
        if isinstance(outcome, Delivered) and outcome.relationship is Relationship.SELF:
            assert outcome.recipient_name == person.name
