"""Log lines never carry a NIK, a phone number, a token or a secret.

Once installed (every service does it as it is built), each log record of the process is
cleaned as it is made, whoever logs it (uvicorn, FastStream, SQLAlchemy, our code): access
lines lose their query string (a client may put anything there, a token included), and in
every message and traceback a NIK is masked, a phone number, a token (JWT) and the
installation's secrets are replaced. Cleaning at record creation covers every handler and
formatter, including ones configured later."""

import logging
import re
import threading
from collections.abc import Callable, Iterable
from typing import Any

from shared.masking import mask_nik

_NIK = re.compile(r"(?<![\w-])\d{16}(?![\w-])")
_PHONE = re.compile(r"(?<![\w+.])(?:\+62|62|0)8\d{1,3}(?:[ -]?\d{3,4}){1,3}(?![\w.])")
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]*)?")
_BEARER = re.compile(r"(?i)(bearer\s+)\S+")
MIN_SECRET_LENGTH = 8  # shorter values would blank out ordinary words

_lock = threading.Lock()
_secrets: set[str] = set()
_installed = False


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with secrets, tokens and phone numbers replaced and every NIK masked."""
    for secret in sorted(set(secrets) | _secrets, key=len, reverse=True):
        text = text.replace(secret, "[secret]")
    text = _JWT.sub("[token]", text)
    text = _BEARER.sub(r"\1[token]", text)
    text = _PHONE.sub("[phone]", text)
    return _NIK.sub(lambda found: mask_nik(found.group()), text)


def path_only(target: str) -> str:
    """`/dossiers?nik=...` as an access line shows it: `/dossiers`."""
    return target.split("?", 1)[0]


def _clean(record: logging.LogRecord) -> None:
    if record.name == "uvicorn.access" and isinstance(record.args, tuple) and len(record.args) > 2:
        # uvicorn's access formatter reads its five args by place: keep them, clean each.
        client, method, target, *rest = record.args
        record.args = (client, method, redact(path_only(str(target))), *rest)
    else:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep what there is, cleaned
            message = f"{record.msg} {record.args}"
        record.msg, record.args = redact(message), None
    if record.exc_info and record.exc_info[1] is not None:
        record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        record.exc_info = None
    if record.stack_info:
        record.stack_info = redact(record.stack_info)


def install_log_redaction(secrets: Iterable[str] = ()) -> None:
    """Clean every log record of this process from now on; `secrets` are never shown."""
    global _installed
    with _lock:
        _secrets.update(s for s in secrets if s and len(s) >= MIN_SECRET_LENGTH)
        if _installed:
            return
        make_record: Callable[..., logging.LogRecord] = logging.getLogRecordFactory()

        def cleaned_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = make_record(*args, **kwargs)
            _clean(record)
            return record

        logging.setLogRecordFactory(cleaned_record)
        _installed = True
