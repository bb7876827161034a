"""The courier at the citizen's door, as `jasa demo` plays it: the document goes out (the
citizen is sent a receipt code), then the holder gives the code (now and then a wrong one
first), or a family member or neighbour takes it with a photo as proof; a document that
comes back failed one or two attempts first.

The demo learns the code the way the citizen does: from the message the file notifier
wrote (`notifications.jsonl` in the data dir). Without it (another notifier, or a data dir
the demo cannot read) every delivery is made with a photo."""

import asyncio
import io
import json
import time
from pathlib import Path
from random import Random

from PIL import Image, ImageDraw

from services.cli.demo.api import COURIER, Json, OfficeApi
from services.cli.demo.outcomes import Delivered, Returned
from shared.vocabulary import AttemptReason, Relationship, ReturnReason

# What a courier saw at the door before bringing a document back, by the return's reason.
ATTEMPT_OF_RETURN = {
    ReturnReason.ADDRESS_NOT_FOUND: AttemptReason.ADDRESS_NOT_FOUND,
    ReturnReason.RECIPIENT_NOT_HOME: AttemptReason.RECIPIENT_NOT_HOME,
    ReturnReason.RECIPIENT_UNKNOWN: AttemptReason.RECIPIENT_MOVED,
    ReturnReason.REFUSED: AttemptReason.REFUSED,
    ReturnReason.OTHER: AttemptReason.OTHER,
}
CODE_WAIT_S = 15.0


def handover_photo(label: str) -> bytes:
    """A small JPEG standing in for the courier's camera: the document in someone's hands."""
    image = Image.new("RGB", (320, 240), (236, 228, 210))
    drawing = ImageDraw.Draw(image)
    drawing.rectangle((90, 70, 230, 160), fill=(40, 90, 160), outline=(20, 20, 20), width=3)
    drawing.text((12, 212), label[:48], fill=(20, 20, 20))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


class SentCodes:
    """The receipt codes the file notifier wrote, by dossier."""

    def __init__(self, path: Path | None) -> None:
        self.path = path

    def _read(self, dossier_id: str) -> str | None:
        if self.path is None or not self.path.exists():
            return None
        found = None
        for line in self.path.read_text(encoding="utf-8").splitlines():
            message = json.loads(line)
            if message.get("dossier_id") == dossier_id and message["kind"] == "out_for_delivery":
                found = message["params"].get("receipt_code")
        return found

    async def code_for(self, dossier_id: str) -> str | None:
        """The last code sent for the dossier, once the message is out; None if none comes."""
        if self.path is None:
            return None
        deadline = time.monotonic() + CODE_WAIT_S
        while time.monotonic() < deadline:
            code = await asyncio.to_thread(self._read, dossier_id)
            if code is not None:
                return code
            await asyncio.sleep(0.25)
        return None


class Door:
    def __init__(self, api: OfficeApi, codes: SentCodes, rng: Random) -> None:
        self.api, self.codes, self.rng = api, codes, rng
        self.by_code: list[str] = []
        self.by_photo: list[str] = []
        self.wrong_codes = 0
        self.attempts = 0

    async def deliver(self, dossier_id: str, outcome: Delivered) -> None:
        base = f"/deliveries/{dossier_id}"
        await self.api.post(COURIER, "courier", f"{base}/out-for-delivery")
        code = None
        if outcome.relationship is Relationship.SELF:
            code = await self.codes.code_for(dossier_id)
        if code is not None:
            if self.rng.random() < 0.1:  # a digit misheard at the door
                wrong = f"{(int(code) + 1) % 10**6:06d}"
                await self.api.post(
                    COURIER, "courier", f"{base}/delivered", {"receipt_code": wrong}, expect=(422,)
                )
                self.wrong_codes += 1
            body: Json = {"receipt_code": code, "note": outcome.note}
            await self.api.post(COURIER, "courier", f"{base}/delivered", body)
            self.by_code.append(dossier_id)
            return
        form = {
            "recipient_name": outcome.recipient_name,
            "relationship": outcome.relationship.value,
            "note": outcome.note,
        }
        photo = handover_photo(f"{outcome.recipient_name} - {dossier_id[:8]}")
        await self.api.post_form(COURIER, "courier", f"{base}/delivered", form, photo)
        self.by_photo.append(dossier_id)

    async def bring_back(self, dossier_id: str, outcome: Returned) -> None:
        base = f"/deliveries/{dossier_id}"
        reason = ATTEMPT_OF_RETURN[outcome.reason]
        for _ in range(1 + (self.rng.random() < 0.5)):
            attempt = {"reason": reason.value, "note": outcome.note}
            await self.api.post(COURIER, "courier", f"{base}/attempts", attempt)
            self.attempts += 1
        body = {"reason": outcome.reason.value, "note": outcome.note}
        await self.api.post(COURIER, "courier", f"{base}/returned", body)
