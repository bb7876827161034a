"""Personal data shown only as much as a reader needs."""

from shared.privacy import ERASED


def mask_nik(nik: str) -> str:
    """First 6 (region) and last 4 digits; the birth date in between is hidden."""
    if nik == ERASED:
        return nik
    if len(nik) <= 10:
        return "*" * len(nik)
    return f"{nik[:6]}{'*' * (len(nik) - 10)}{nik[-4:]}"


def mask_phone(phone: str) -> str:
    """Country and operator prefix and the last 3 digits: `+62812*****890`."""
    if phone == ERASED:
        return phone
    if len(phone) <= 8:
        return "*" * len(phone)
    return f"{phone[:6]}{'*' * (len(phone) - 9)}{phone[-3:]}"


def mask_document_number(number: str) -> str:
    """Only the last 4 characters: a KTP-el's or KIA's number is a NIK, and 4 digits are
    enough to match the paper document in hand."""
    if number == ERASED:
        return number
    if len(number) <= 4:
        return "*" * len(number)
    return f"{'*' * (len(number) - 4)}{number[-4:]}"
