"""Photo proof of a delivery: checked from its bytes, kept encrypted under the dossier's
personal-data key in a photo store, a folder (`JASA_PHOTO_DIR`, default photos/ in the data
dir) or an S3-compatible bucket (`JASA_PHOTO_STORE=s3`, services/courier/photo_bucket.py).

Both hold `<office>/<dossier_id>/<sha256>.sealed`; the name is the SHA-256 of the photo as
taken, which the Delivered event carries. Only sealed bytes reach a store. Erasing the
dossier destroys its key, so its photos read as nothing from then on (and `jasa privacy
erase` removes them too)."""

import asyncio
import hashlib
import io
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from uuid import UUID

from PIL import Image, UnidentifiedImageError

from shared.errors import Conflict, Unprocessable
from shared.log import EventLog

MAX_PHOTO_BYTES = 2 * 1024 * 1024
MEDIA_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png"}
PURPOSE = "photo"
SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class Photo:
    content: bytes
    media_type: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def checked_photo(content: bytes) -> Photo:
    """The photo if it is a JPEG or PNG of at most 2 MB, judged by its bytes (not by the name
    or type the client gave); a 422 naming `photo` otherwise."""
    if not content:
        raise Unprocessable.field("photo", "the photo is empty")
    if len(content) > MAX_PHOTO_BYTES:
        raise Unprocessable.field(
            "photo", f"the photo is {len(content):,} bytes; at most {MAX_PHOTO_BYTES:,} (2 MB)"
        )
    try:
        with Image.open(io.BytesIO(content)) as image:
            kind = image.format
            image.verify()
    except Image.DecompressionBombError as error:  # a few bytes that claim a vast picture
        raise Unprocessable.field("photo", "the image claims too many pixels") from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise Unprocessable.field("photo", "not a readable JPEG or PNG image") from error
    if kind not in MEDIA_TYPES:
        raise Unprocessable.field("photo", f"a {kind} image; only JPEG or PNG is taken")
    return Photo(content, MEDIA_TYPES[kind])


class PhotoStore(Protocol):
    """Where the sealed photo proofs are kept. Sealing and opening go through the office's
    log, whose key store holds the dossier's key."""

    async def put(self, log: EventLog, dossier_id: UUID, photo: Photo) -> bool:
        """Keep the photo sealed; True if this call wrote it (False: it was there already)."""
        ...

    async def get(self, log: EventLog, dossier_id: UUID, sha256: str) -> Photo | None:
        """The photo, opened; None if it is not kept here or its dossier was erased."""
        ...

    async def discard(self, office: str, dossier_id: UUID, sha256: str) -> None:
        """Remove a photo no event refers to (its delivery was refused)."""
        ...

    async def erase(self, office: str, dossier_id: UUID) -> bool:
        """Remove every photo of the dossier; True if there were any."""
        ...

    async def check(self) -> None:
        """Raise PhotoStoreUnusable if the store cannot be used (checked at start)."""
        ...

    async def aclose(self) -> None: ...


class PhotoStoreUnusable(Exception):
    """The photo store's settings are wrong, or its bucket is missing or out of reach: the
    sentence names the setting to fix."""


def object_name(office: str, dossier_id: UUID, sha256: str) -> str:
    """Where one photo is kept, relative to the store's root: the same in every store."""
    return f"{dossier_prefix(office, dossier_id)}{sha256}.sealed"


def dossier_prefix(office: str, dossier_id: UUID) -> str:
    return f"{office}/{dossier_id}/"


async def sealed_photo(log: EventLog, dossier_id: UUID, photo: Photo) -> bytes:
    """The photo sealed under its dossier's key; a 409 once the dossier was erased."""
    sealed = await log.seal_bytes(dossier_id, PURPOSE, photo.content)
    if sealed is None:
        raise Conflict(f"the personal data of document {dossier_id} was erased")
    return sealed


async def opened_photo(log: EventLog, dossier_id: UUID, sealed: bytes | None) -> Photo | None:
    """A kept photo opened; None if nothing was kept or the dossier's key is gone."""
    if sealed is None:
        return None
    content = await log.open_bytes(dossier_id, PURPOSE, sealed)
    return None if content is None else checked_photo(content)


class FolderPhotoStore:
    """The sealed photos as files under one folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def put(self, log: EventLog, dossier_id: UUID, photo: Photo) -> bool:
        sealed = await sealed_photo(log, dossier_id, photo)
        path = self.folder / object_name(log.keys.office, dossier_id, photo.sha256)
        return await asyncio.to_thread(_write_new, path, sealed)

    async def get(self, log: EventLog, dossier_id: UUID, sha256: str) -> Photo | None:
        if not SHA256.fullmatch(sha256):
            return None
        path = self.folder / object_name(log.keys.office, dossier_id, sha256)
        return await opened_photo(log, dossier_id, await asyncio.to_thread(_read, path))

    async def discard(self, office: str, dossier_id: UUID, sha256: str) -> None:
        path = self.folder / object_name(office, dossier_id, sha256)
        await asyncio.to_thread(path.unlink, True)

    async def erase(self, office: str, dossier_id: UUID) -> bool:
        return await asyncio.to_thread(
            _remove_tree, self.folder / dossier_prefix(office, dossier_id)
        )

    async def check(self) -> None:
        return None  # the folder is made with the first photo

    async def aclose(self) -> None:
        return None


def _write_new(path: Path, content: bytes) -> bool:
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written whole or not at all: a reader never meets half a photo.
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".part")
    with os.fdopen(handle, "wb") as file:
        file.write(content)
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, path)
    return True


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def _remove_tree(folder: Path) -> bool:
    if not folder.exists():
        return False
    shutil.rmtree(folder)
    return True
