"""Keyed hashes of personal data: what lets the office find a dossier by NIK, name or
document number, and name a dossier, without anything that can be recomputed from a NIK.

A NIK has about 10^10 likely values, so a plain hash of it is a lookup table away from the
NIK itself. Every digest here is an HMAC-SHA256 under a key of the office, derived from the
installation's JASA_PII_KEY (kept, given and required in production as that key is): who
holds the database or the log but not the key learns nothing from a digest or a dossier id.

What is hashed is normalised first, as an officer types it in any form: a NIK or document
number without spaces, dots and dashes, upper-cased; a name as its words, lower-cased,
without accents (`Siti  Rahmá` and `SITI RAHMA` are the same two words)."""

import hashlib
import hmac
import re
import unicodedata
import uuid
from dataclasses import dataclass
from enum import StrEnum

_LABEL = b"jasa-dukcapil/blind-index/v1"
_SEPARATORS = re.compile(r"[\s.\-/]")
_WORD = re.compile(r"[0-9a-z]+")


class IndexKind(StrEnum):
    """What a digest stands for; part of the hashed text, so digests of kinds never meet."""

    NIK = "nik"
    DOCUMENT_NUMBER = "document_number"
    NAME_WORD = "name_word"


def normalised_number(value: str) -> str:
    """A NIK or a document number as typed any way: `1471-0863 0670.1594` is the NIK."""
    return _SEPARATORS.sub("", value).upper()


def name_words(name: str) -> list[str]:
    """A name's words, lower-cased and without accents, each once, in order."""
    plain = unicodedata.normalize("NFKD", name.casefold())
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return list(dict.fromkeys(_WORD.findall(plain)))


@dataclass(frozen=True, slots=True)
class BlindIndex:
    """The installation's keyed hashes; each office has its own key."""

    root: bytes

    @classmethod
    def from_master_key(cls, master_key: bytes) -> "BlindIndex":
        # A key of its own, derived: a digest never shares its key with the data keys' wrap.
        return cls(hmac.digest(master_key, _LABEL, hashlib.sha256))

    def _office_key(self, office: str) -> bytes:
        return hmac.digest(self.root, f"office:{office}".encode(), hashlib.sha256)

    def _mac(self, office: str, text: str) -> bytes:
        return hmac.digest(self._office_key(office), text.encode(), hashlib.sha256)

    def digest(self, office: str, kind: IndexKind, value: str) -> str:
        """The hex digest of one normalised value of one kind."""
        return self._mac(office, f"{kind.value}:{value}").hex()

    def nik(self, office: str, nik: str) -> str:
        return self.digest(office, IndexKind.NIK, normalised_number(nik))

    def document_number(self, office: str, number: str) -> str:
        return self.digest(office, IndexKind.DOCUMENT_NUMBER, normalised_number(number))

    def name(self, office: str, name: str) -> list[str]:
        """One digest per word of the name."""
        return [self.digest(office, IndexKind.NAME_WORD, word) for word in name_words(name)]

    def dossier_id(
        self, office: str, document_type: str, document_number: str, n: int
    ) -> uuid.UUID:
        """The id of the n-th dossier (1, 2, ...) ever opened for one document in one office:
        fixed, so two officers registering one document race on one stream, and keyed, so
        the id says nothing of the document's number (a KTP-el's is a NIK)."""
        number = normalised_number(document_number)
        raw = bytearray(self._mac(office, f"dossier:{document_type}:{number}:{n}")[:16])
        raw[6] = (raw[6] & 0x0F) | 0x80  # version 8: an id of the application's own making
        raw[8] = (raw[8] & 0x3F) | 0x80  # the RFC variant
        return uuid.UUID(bytes=bytes(raw))
