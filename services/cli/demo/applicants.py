"""Applicants of one office day, made up but realistic: Indonesian names, Pekanbaru
addresses, valid NIKs (region 1471, real birth dates, day + 40 for women), valid mobile
numbers, document numbers in the shapes the documents carry. Pure: a seeded `Random` in,
data out, so the same seed gives the same day."""

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from random import Random

from services.cli.demo import population as p
from shared.vocabulary import DocumentType

# Share of each document type among the day's applicants, and the ages they are for.
TYPE_WEIGHTS = {
    DocumentType.KTP_EL: 40,
    DocumentType.KK: 25,
    DocumentType.KIA: 15,
    DocumentType.AKTA: 20,
}
AGE_DAYS = {
    DocumentType.KTP_EL: (17 * 365 + 5, 75 * 365),
    DocumentType.KK: (21 * 365, 68 * 365),
    DocumentType.KIA: (30, 17 * 365 - 5),
    DocumentType.AKTA: (3, 5 * 365),
}


@dataclass(frozen=True)
class Applicant:
    """One citizen whose document the office prints today; for a child's document (KIA,
    akta kelahiran) the family member is the parent who applied and receives it."""

    name: str
    female: bool
    birth_date: date
    nik: str
    address: str
    phone: str
    document_type: DocumentType
    document_number: str
    family_member: str

    def registration(self) -> dict[str, str]:
        """The body of `POST /dossiers` an FO officer sends for this applicant."""
        return {
            "nik": self.nik,
            "name": self.name,
            "address": self.address,
            "phone": self.phone,
            "document_type": self.document_type.value,
            "document_number": self.document_number,
        }

    @property
    def is_child(self) -> bool:
        return self.document_type in (DocumentType.KIA, DocumentType.AKTA)


def nik(district: str, birth_date: date, female: bool, serial: int) -> str:
    """NIK = province+regency (1471) district(2) DDMMYY (day + 40 for women) serial(4)."""
    if not 1 <= serial <= 9999:
        raise ValueError("the serial of a NIK is 0001..9999")
    day = birth_date.day + (40 if female else 0)
    return f"{p.REGENCY}{district}{day:02d}{birth_date:%m%y}{serial:04d}"


def birth_date_of(number: str, century: int = 1900) -> tuple[date, bool]:
    """The birth date (in `century` or the next) and sex a NIK encodes."""
    day, month, year = int(number[6:8]), int(number[8:10]), int(number[10:12])
    female = day > 40
    return date(century + year, month, day - 40 if female else day), female


def mobile_number(rng: Random) -> str:
    """`08xx` followed by 7 or 8 digits, in one of the three ways people write it."""
    subscriber = "".join(str(rng.randrange(10)) for _ in range(rng.choice((7, 8))))
    national = f"8{rng.choice(p.MOBILE_PREFIXES)[1:]}{subscriber}"
    written = rng.choices(("0", "62", "+62"), weights=(80, 10, 10))[0]
    return written + national


def person_name(rng: Random, female: bool, child: bool = False) -> str:
    if child:
        given = rng.choice(p.GIRL if female else p.BOY)
        return f"{given} {rng.choice(p.FAMILY)}" if rng.random() < 0.3 else given
    shape = rng.random()
    if shape < 0.08:
        return rng.choice(p.SINGLE_FEMALE if female else p.SINGLE_MALE)
    given = rng.choice(p.FEMALE if female else p.MALE)
    if shape < 0.3:
        return f"{given} {rng.choice(p.FAMILY)}"
    return f"{given} {rng.choice(p.SECOND_FEMALE if female else p.SECOND_MALE)}"


def address(rng: Random, district: str) -> str:
    kecamatan, kelurahan = p.KECAMATAN[district]
    shape = rng.random()
    if shape < 0.15:
        street = f"{rng.choice(p.PERUMAHAN)} Blok {rng.choice('ABCDEFG')}"
    elif shape < 0.4:
        street = f"{rng.choice(p.STREETS)} {rng.choice(p.GANG)}"
    else:
        street = rng.choice(p.STREETS)
    return (
        f"{street} No. {rng.randint(1, 250)}, RT {rng.randint(1, 12):03d}/RW "
        f"{rng.randint(1, 15):03d}, Kel. {rng.choice(kelurahan)}, Kec. {kecamatan}, Pekanbaru"
    )


class _Numbers:
    """Hands out NIKs and document numbers, never the same twice."""

    def __init__(self, rng: Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def fresh(self, make: Iterable[str]) -> str:
        for candidate in make:
            if candidate not in self.used:
                self.used.add(candidate)
                return candidate
        raise RuntimeError("no fresh number")  # pragma: no cover - 9999 serials per day

    def serials(self) -> Iterator[int]:
        while True:
            yield self.rng.randint(1, 9999)

    def nik(self, district: str, birth_date: date, female: bool) -> str:
        return self.fresh(nik(district, birth_date, female, s) for s in self.serials())

    def document_number(self, kind: DocumentType, person_nik: str, today: date) -> str:
        district = person_nik[4:6]
        if kind in (DocumentType.KTP_EL, DocumentType.KIA):
            return person_nik  # the card's number is its holder's NIK
        if kind is DocumentType.KK:
            issued = today - timedelta(days=self.rng.randint(0, 30))
            return self.fresh(
                f"{p.REGENCY}{district}{issued:%d%m%y}{s:04d}" for s in self.serials()
            )
        born, _ = birth_date_of(person_nik, 2000)
        kind_code = "LU" if (today - born).days <= 60 else "LT"  # on time / late registration
        registered = today - timedelta(days=self.rng.randint(0, 14))
        return self.fresh(
            f"{p.REGENCY}-{kind_code}-{registered:%d%m%Y}-{s:04d}" for s in self.serials()
        )


def applicants(count: int, rng: Random, today: date) -> list[Applicant]:
    """`count` different applicants of one day, all four document types among them."""
    numbers = _Numbers(rng)
    kinds = list(TYPE_WEIGHTS)
    chosen = kinds + rng.choices(kinds, weights=list(TYPE_WEIGHTS.values()), k=count - len(kinds))
    people = []
    for kind in chosen[:count]:
        female = rng.random() < 0.5
        low, high = AGE_DAYS[kind]
        birth = today - timedelta(days=rng.randint(low, high))
        district = rng.choice(list(p.KECAMATAN))
        person_nik = numbers.nik(district, birth, female)
        child = kind in (DocumentType.KIA, DocumentType.AKTA)
        parent_female = rng.random() < 0.6  # mothers come to the office more often
        people.append(
            Applicant(
                name=person_name(rng, female, child=child),
                female=female,
                birth_date=birth,
                nik=person_nik,
                address=address(rng, district),
                phone=mobile_number(rng),
                document_type=kind,
                document_number=numbers.document_number(kind, person_nik, today),
                family_member=person_name(rng, parent_female if child else not female),
            )
        )
    return people


@dataclass(frozen=True)
class RegistryRow:
    document_number: str
    document_type: DocumentType
    nik: str
    name: str
    signed: bool


def registry(
    people: list[Applicant], rng: Random, today: date, unsigned_share: float = 0.04
) -> list[RegistryRow]:
    """The population registry's printed documents: today's applicants' (a few not yet
    signed by the official) and about a fifth more whose owners did not come today."""
    rows = [
        RegistryRow(
            a.document_number, a.document_type, a.nik, a.name, rng.random() >= unsigned_share
        )
        for a in people
    ]
    taken = {a.nik for a in people} | {a.document_number for a in people}
    for other in applicants(max(4, len(people) // 5), rng, today):
        if other.nik not in taken and other.document_number not in taken:
            rows.append(
                RegistryRow(other.document_number, other.document_type, other.nik, other.name, True)
            )
    rng.shuffle(rows)
    return rows


CSV_COLUMNS = ("document_number", "document_type", "nik", "name", "signed")


def write_registry_csv(path: Path, rows: list[RegistryRow]) -> Path:
    """The file `jasa registry load` reads."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(CSV_COLUMNS)
        for row in rows:
            signed = "true" if row.signed else "false"
            writer.writerow(
                [row.document_number, row.document_type.value, row.nik, row.name, signed]
            )
    return path
