"""`jasa dead-letters`: the events each consumer group gave up on. A consumer dead-letters an
entry of the log it cannot decode (not an event, or a type not in the catalogue) at once,
and an event whose handler failed `JASA_MAX_DELIVERIES` times; it then goes on with the next.
This command lists them per group, with the position in the log, the type, the error and
how often it was tried. It reads Redis directly, so it works whether or not the services run.

Exit 0: no dead letters; 1: there are some (so a monitor can alert); 2: Redis unreachable."""

import asyncio
from dataclasses import asdict, dataclass
from typing import Annotated, Any, cast

import orjson
import typer
from redis.exceptions import RedisError, ResponseError
from rich.console import Console

from services.cli import installation
from shared.keys import Keys
from shared.redis_client import AsyncRedis, redis_setup
from shared.settings import CommonSettings

errors = Console(stderr=True, highlight=False)


@dataclass(frozen=True, slots=True)
class DeadLetter:
    position: str  # of the entry in the office log
    type: str
    error: str
    deliveries: int
    failed_at: str


async def consumer_groups(redis: AsyncRedis, keys: Keys) -> list[str]:
    """The consumer groups reading the office log (none when the log does not exist yet)."""
    try:
        groups = await redis.xinfo_groups(keys.log)
    except ResponseError as error:
        if "no such key" in str(error).lower():
            return []
        raise
    return sorted(_text(group["name"]) for group in groups)


async def dead_letters_of(
    redis: AsyncRedis, keys: Keys, group: str, limit: int
) -> list[DeadLetter]:
    entries = cast(
        list[tuple[bytes, dict[bytes, bytes]]],
        await redis.xrange(keys.dead_letters(group), count=limit),
    )
    return [_dead_letter(fields) for _, fields in entries]


def _dead_letter(fields: dict[bytes, bytes]) -> DeadLetter:
    return DeadLetter(
        position=_text(fields.get(b"position", b"?")),
        type=_text(fields.get(b"type", b"")) or "?",
        error=_text(fields.get(b"error", b"")),
        deliveries=int(fields.get(b"deliveries", b"0") or 0),
        failed_at=_text(fields.get(b"failed_at", b"")),
    )


def _text(value: Any) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


async def _collect(
    settings: CommonSettings, redis_url: str, limit: int
) -> dict[str, tuple[int, list[DeadLetter]]]:
    setup = await asyncio.to_thread(redis_setup, settings, redis_url)  # it asks the server
    redis = setup.client(socket_connect_timeout=5)
    keys = Keys(settings.office, settings.key_prefix)
    try:
        found = {}
        for group in await consumer_groups(redis, keys):
            total = int(await redis.xlen(keys.dead_letters(group)))
            found[group] = (total, await dead_letters_of(redis, keys, group, limit))
        return found
    finally:
        await redis.aclose()


def dead_letters(
    as_json: Annotated[bool, typer.Option("--json", help="print them as JSON")] = False,
    limit: Annotated[int, typer.Option(min=1, help="at most this many per group")] = 100,
) -> None:
    """List the events each consumer group gave up on.

    Each with its position in the log, type and error; exit 1 if there are any."""
    settings = CommonSettings()
    redis_url = installation.redis_url(settings)
    try:
        found = asyncio.run(_collect(settings, redis_url, limit))
    except (RedisError, OSError) as error:
        errors.print(f"cannot reach Redis: {error}")
        raise typer.Exit(2) from None
    total = sum(count for count, _ in found.values())
    if as_json:
        body = {
            group: {"count": count, "dead_letters": [asdict(letter) for letter in letters]}
            for group, (count, letters) in found.items()
        }
        typer.echo(orjson.dumps(body, option=orjson.OPT_INDENT_2).decode())
    elif not found:
        typer.echo("no consumer group reads the log yet")
    else:
        for group, (count, letters) in found.items():
            typer.echo(f"{group}: {count} dead letter{'' if count == 1 else 's'}")
            for letter in letters:
                typer.echo(
                    f"  position {letter.position}  type {letter.type}  "
                    f"tried {letter.deliveries}x  at {letter.failed_at}\n    {letter.error}"
                )
            if count > len(letters):
                typer.echo(f"  ... and {count - len(letters)} more")
    raise typer.Exit(1 if total else 0)


def register(app: typer.Typer) -> None:
    app.command("dead-letters")(dead_letters)
