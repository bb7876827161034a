"""Types for request models that turn bad input into a 422 saying, in plain words, what is
wrong with which field: NIK and Nomor KK, Indonesian mobile numbers, names, addresses,
notes and document numbers.

Each is an `Annotated[str, ...]`; a failure is a `PydanticCustomError`, so its message
reaches the client as written here (no "Value error," in front)."""

import re
import unicodedata
from datetime import date, datetime
from typing import Annotated, Any

import phonenumbers
from pydantic import BeforeValidator, Field
from pydantic_core import PydanticCustomError
from stdnum import numdb

from shared.wib import WIB

_SEPARATORS = re.compile(r"[ .\-]")
_PHONE_SEPARATORS = re.compile(r"[ \-]")
_DOCUMENT_NUMBER = re.compile(r"[A-Za-z0-9./\- ]+")


def _invalid(kind: str, message: str) -> PydanticCustomError:
    return PydanticCustomError(kind, message)


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise _invalid("text_type", f"must be text ({what})")
    return value


def _today() -> date:
    return datetime.now(WIB).date()


# --- NIK and Nomor KK ---------------------------------------------------------------


def _sixteen_digits(value: Any, what: str) -> str:
    number = _SEPARATORS.sub("", _text(value, f"the 16 digits of the {what}").strip())
    if not (number.isascii() and number.isdigit()) or len(number) != 16:
        raise _invalid("sixteen_digits", f"the {what} must be exactly 16 digits")
    return number


def _check_region(number: str, what: str) -> None:
    """Province and regency must exist (python-stdnum's table); the district must not be 00."""
    parts = numdb.get("id/loc").info(number[:4])
    known = len(parts) == 2 and all(info for _, info in parts)
    if not known:
        raise _invalid(
            "region",
            f"the first four digits of the {what} ({number[:4]}) are not an Indonesian "
            "province and regency",
        )
    if number[4:6] == "00":
        raise _invalid("region", f"digits 5-6 of the {what} (the district) must not be 00")


def _check_serial(number: str, what: str) -> None:
    if number[12:] == "0000":
        raise _invalid("serial", f"the last four digits of the {what} (serial) must not be 0000")


def _past_date(day: int, month: int, two_digit_year: int, today: date) -> date | None:
    """The most recent real date with these digits that is not in the future."""
    for century in (2000, 1900):
        try:
            candidate = date(century + two_digit_year, month, day)
        except ValueError:
            continue
        if candidate <= today:
            return candidate
    return None


def birth_date_of_nik(nik: str, today: date | None = None) -> date | None:
    """The birth date a NIK encodes (day + 40 for women), or None when it is not a date."""
    day, month, year = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    if day > 40:
        day -= 40
    return _past_date(day, month, year, today or _today())


def validate_nik(value: Any) -> str:
    """A NIK: region(6) + birth date DDMMYY (day + 40 for women) + serial(4), as 16 digits."""
    nik = _sixteen_digits(value, "NIK")
    _check_region(nik, "NIK")
    if birth_date_of_nik(nik) is None:
        raise _invalid(
            "birth_date",
            f"digits 7-12 of the NIK ({nik[6:12]}) are not a real birth date "
            "(DDMMYY, day + 40 for women, not in the future)",
        )
    _check_serial(nik, "NIK")
    return nik


def validate_nomor_kk(value: Any) -> str:
    """A Nomor KK: region(6) + issuance date DDMMYY + serial(4), as 16 digits."""
    number = _sixteen_digits(value, "Nomor KK")
    _check_region(number, "Nomor KK")
    day, month, year = int(number[6:8]), int(number[8:10]), int(number[10:12])
    if _past_date(day, month, year, _today()) is None:
        raise _invalid(
            "issue_date",
            f"digits 7-12 of the Nomor KK ({number[6:12]}) are not a real issuance date "
            "(DDMMYY, not in the future)",
        )
    _check_serial(number, "Nomor KK")
    return number


# --- mobile numbers -------------------------------------------------------------------


def validate_indonesian_mobile(value: Any) -> str:
    """`08…`, `628…` or `+628…` (spaces and dashes allowed), a mobile number, as E.164."""
    raw = _PHONE_SEPARATORS.sub("", _text(value, "a mobile number such as 0812...").strip())
    if raw.startswith("+62"):
        national = raw[3:]
    elif raw.startswith("62"):
        national = raw[2:]
    elif raw.startswith("0"):
        national = raw[1:]
    else:
        raise _invalid("phone_prefix", "the phone number must start with 08, 628 or +628")
    if not national.isascii() or not national.isdigit():
        raise _invalid("phone_digits", "the phone number may hold only digits, spaces and dashes")
    if not national.startswith("8"):
        raise _invalid(
            "phone_mobile",
            "the phone number must be a mobile number (08..., 628... or +628...), not a landline",
        )
    try:
        parsed = phonenumbers.parse("+62" + national, None)
    except phonenumbers.NumberParseException as error:
        raise _invalid("phone_invalid", "the phone number is not a valid number") from error
    if not phonenumbers.is_valid_number(parsed):
        raise _invalid("phone_invalid", "the phone number is not a valid Indonesian mobile number")
    if phonenumbers.number_type(parsed) != phonenumbers.PhoneNumberType.MOBILE:
        raise _invalid("phone_mobile", "the phone number is not a mobile number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


# --- free text ------------------------------------------------------------------------


def _clean_text(value: Any, *, what: str, max_length: int, allow_empty: bool) -> str:
    text = unicodedata.normalize("NFC", _text(value, what)).strip()
    if not text and not allow_empty:
        raise _invalid("empty", f"the {what} must not be empty")
    if len(text) > max_length:
        raise _invalid("too_long", f"the {what} must be at most {max_length} characters")
    if any(unicodedata.category(character).startswith("C") for character in text):
        raise _invalid(
            "control_character",
            f"the {what} must not hold control characters (line breaks, tabs and the like)",
        )
    return text


NAME_MAX = 100
ADDRESS_MAX = 300
NOTE_MAX = 500
DOCUMENT_NUMBER_MAX = 64


def validate_person_name(value: Any) -> str:
    return _clean_text(value, what="name", max_length=NAME_MAX, allow_empty=False)


def validate_address(value: Any) -> str:
    return _clean_text(value, what="address", max_length=ADDRESS_MAX, allow_empty=False)


def validate_note(value: Any) -> str:
    return _clean_text(value, what="note", max_length=NOTE_MAX, allow_empty=True)


def validate_reason(value: Any) -> str:
    return _clean_text(value, what="reason", max_length=NOTE_MAX, allow_empty=False)


def validate_document_number(value: Any) -> str:
    number = _clean_text(
        value, what="document number", max_length=DOCUMENT_NUMBER_MAX, allow_empty=False
    )
    if not _DOCUMENT_NUMBER.fullmatch(number):
        raise _invalid(
            "document_number",
            "the document number may hold only letters, digits, spaces and / . -",
        )
    return number


Nik = Annotated[
    str,
    BeforeValidator(validate_nik),
    Field(description="NIK: 16 digits", examples=["1471014506900003"]),
]
NomorKK = Annotated[
    str,
    BeforeValidator(validate_nomor_kk),
    Field(description="Nomor Kartu Keluarga: 16 digits", examples=["1471011203150007"]),
]
IndonesianMobile = Annotated[
    str,
    BeforeValidator(validate_indonesian_mobile),
    Field(
        description="an Indonesian mobile number (08..., 628... or +628...), kept as E.164",
        examples=["0812-3456-7890"],
    ),
]
PersonName = Annotated[
    str,
    BeforeValidator(validate_person_name),
    Field(description=f"trimmed, 1 to {NAME_MAX} characters", examples=["Rina Marlina"]),
]
Address = Annotated[
    str,
    BeforeValidator(validate_address),
    Field(
        description=f"trimmed, 1 to {ADDRESS_MAX} characters",
        examples=["Jl. Sudirman No. 12, Pekanbaru"],
    ),
]
Note = Annotated[
    str,
    BeforeValidator(validate_note),
    Field(description=f"trimmed, at most {NOTE_MAX} characters; may be empty"),
]
Reason = Annotated[
    str,
    BeforeValidator(validate_reason),
    Field(description=f"why, in words: trimmed, 1 to {NOTE_MAX} characters"),
]
DocumentNumber = Annotated[
    str,
    BeforeValidator(validate_document_number),
    Field(
        description="letters, digits, spaces and / . - (1 to 64 characters)",
        examples=["KTP-2026-000123"],
    ),
]
