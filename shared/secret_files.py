"""The secrets an installation makes for itself on first run when none is given (the token
secret, the personal-data key, the checkpoint signing key), outside production only.

Several processes start at once (`jasa up`, `jasa serve --workers`), and each may be the
first: a secret is written whole beside its final name, readable by its owner only from the
first byte, then linked into place. Exactly one process's secret wins; every one, the
losers too, reads that one."""

import os
import secrets
from collections.abc import Callable
from pathlib import Path


def read_or_create(path: Path, make: Callable[[], bytes]) -> bytes:
    """What `path` holds; if it holds nothing yet, `make()` is written there first."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "wb") as file:
                file.write(make())
            try:
                os.link(draft, path)
            except FileExistsError:
                pass  # another process was first: its secret is the one
        finally:
            draft.unlink()
    return path.read_bytes()
