"""The citizen's tracking code: unguessable, short enough to type from a receipt, and read
back the way a person types it.

Crockford's base32 alphabet leaves out I, L, O and U, so no two of its characters look
alike; a person who types O for 0, or I or L for 1, or adds dashes and spaces, still finds
the document. Twelve characters from `secrets` carry 60 bits: guessing one of an office's
codes at 20 lookups a minute (the tracking page's limit) is out of reach."""

import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 12
_TYPED_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = re.compile(r"[\s\-]+")
_CODE = re.compile(f"[{ALPHABET}]{{{LENGTH}}}")


def new_tracking_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalised_tracking_code(typed: str) -> str | None:
    """The code a person meant, or None when it cannot be one (no lookup is needed)."""
    code = _SEPARATORS.sub("", typed).upper().translate(_TYPED_AS)
    return code if _CODE.fullmatch(code) else None


def shown_tracking_code(code: str) -> str:
    """Grouped by four for reading aloud and printing: `K7MW-3QXP-9RHT`."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))
