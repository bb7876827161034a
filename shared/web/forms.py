"""What a page's form needs beyond its fields: a key per rendered form, so that a double
click or a reload runs its command once (as the API's `Idempotency-Key` does), field errors
told in Bahasa Indonesia, the id a form's address names, and a note typed on several lines.

    key = form_key()                         # a hidden field of the rendered form
    outcome = await submitted_once(request, key, run)   # run() -> a small JSON dict
    errors = field_errors(validation_error, {"nik": "NIK", ...})
    letter_id = path_id(text)                # NotFound: the page answers its 404"""

import asyncio
import hashlib
import re
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from uuid import UUID

import orjson
from pydantic import ValidationError

from shared.errors import NotFound, ServiceUnavailable
from shared.web.deps import optional_session
from shared.web.site import site_of

FORM_KEY_FIELD = "form_key"
RUNNING_TTL_S = 60
DONE_TTL_S = 24 * 3600
WAIT_S = 10.0
MAX_KEY = 200

Outcome = dict[str, str]


def form_key() -> str:
    """A fresh key for one rendering of a form."""
    return secrets.token_urlsafe(18)


async def submitted_once(
    request: Any, key: str | None, run: Callable[[], Awaitable[Outcome]]
) -> Outcome:
    """`run()`'s outcome, run once per form key and officer: the same form sent again
    (double click, reload, a retry after a lost answer) waits for the first and gets its
    outcome. A failure is not kept: the officer corrects the form and sends it again."""
    session = await optional_session(request)
    if session is None or not key or len(key) > MAX_KEY:
        return await run()
    site = site_of(request)
    redis = site.context.redis
    digest = hashlib.sha256(key.encode()).hexdigest()
    record = site.context.keys_for(session.office).scoped(
        f"{site.service}:form:{session.username}:{digest}"
    )
    deadline = time.monotonic() + WAIT_S
    while True:
        if await redis.set(record, b'{"state":"running"}', nx=True, ex=RUNNING_TTL_S):
            try:
                outcome = await run()
            except BaseException:
                await redis.delete(record)
                raise
            await redis.set(
                record, orjson.dumps({"state": "done", "outcome": outcome}), ex=DONE_TTL_S
            )
            return outcome
        stored = await redis.get(record)
        if stored is not None:
            kept = orjson.loads(stored)
            if kept.get("state") == "done":
                return dict(kept["outcome"])
        if time.monotonic() > deadline:
            raise ServiceUnavailable("the first sending of this form is still being processed")
        await asyncio.sleep(0.05)


# --- field errors, in Bahasa Indonesia ---------------------------------------------------

_MESSAGES = {
    "missing": "{label} wajib diisi.",
    "empty": "{label} wajib diisi.",
    "too_long": "{label} terlalu panjang (paling banyak {limit} karakter).",
    "control_character": "{label} tidak boleh berisi baris baru, tab, atau karakter kontrol.",
    "text_type": "{label} harus berupa teks.",
    "sixteen_digits": "{label} harus tepat 16 angka.",
    "region": "Kode wilayah pada {label} (6 angka pertama) tidak dikenal.",
    "birth_date": (
        "Angka ke-7 sampai ke-12 {label} bukan tanggal lahir yang sah "
        "(HHBBTT, tanggal ditambah 40 untuk perempuan)."
    ),
    "serial": "4 angka terakhir {label} tidak boleh 0000.",
    "phone_prefix": "{label} harus diawali 08, 628 atau +628.",
    "phone_digits": "{label} hanya boleh berisi angka, spasi dan tanda hubung.",
    "phone_mobile": "{label} harus nomor seluler, bukan telepon rumah.",
    "phone_invalid": "{label} bukan nomor seluler Indonesia yang sah.",
    "document_number": "{label} hanya boleh berisi huruf, angka, spasi dan / . -",
    "enum": "Pilih {label} dari daftar.",
}
_LIMIT = re.compile(r"at most (\d+)")


def field_errors(error: ValidationError, labels: Mapping[str, str]) -> dict[str, str]:
    """One Indonesian sentence per field that failed, by the field's name."""
    found: dict[str, str] = {}
    for item in error.errors():
        name = str(item["loc"][0]) if item["loc"] else ""
        if name in found:
            continue
        label = labels.get(name, name)
        limit = _LIMIT.search(str(item.get("msg", "")))
        kind = str(item["type"])
        template = _MESSAGES.get(kind, "{label} tidak sah.")
        shown = label.lower() if kind == "enum" else label  # "Pilih jenis dokumen dari daftar."
        message = template.format(label=shown, limit=limit.group(1) if limit else "")
        found[name] = message[0].upper() + message[1:]
    return found


# --- what a form's address and its boxes carry -------------------------------------------


def path_id(text: str) -> UUID:
    """The id a page's address names; NotFound for anything that is not one, so that the
    page answers it as it answers an id its office does not have."""
    try:
        return UUID(text.strip())
    except ValueError:
        raise NotFound(f"{text!r} is not an id") from None


def one_line(text: str) -> str:
    """What was typed in a box on one line, as the log keeps a note or a reason: the lines
    typed are joined."""
    return " ".join(line.strip() for line in text.splitlines() if line.strip())
