"""The entries a FastStream Redis subscriber reads, as the consumer runtime (shared.consumer)
takes them: without the JSON body FastStream would make of them, as ids and fields."""

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from faststream.message import StreamMessage


async def without_body(
    entry: Mapping[str, Any], parse: Callable[[Mapping[str, Any]], Awaitable[StreamMessage[Any]]]
) -> StreamMessage[Any]:
    """FastStream's parser makes a JSON body of an entry's fields before any handler runs;
    bytes that are not UTF-8 make it fail, and such an entry would be claimed and fail again
    forever, never reaching `_apply` to be dead-lettered. The handler reads the raw fields
    itself, so the message is built without a body (which also spares a JSON dump per event)."""
    message = await parse({**entry, "data": [] if entry.get("type") == "bstream" else {}})
    message.raw_message = entry
    return message


def entries_of(raw: Mapping[str, Any]) -> tuple[list[bytes], list[dict[bytes, bytes]]]:
    """The ids and fields of the entries FastStream read (one entry, or a batch)."""
    data = raw["data"]
    return raw["message_ids"], data if isinstance(data, list) else [data]
