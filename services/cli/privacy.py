"""`jasa privacy erase DOSSIER_ID`: erase a person's data (crypto-shredding).

The dossier's data key is destroyed, so its personal data in the log can never be read
again, and PersonalDataErased is appended to the dossier's stream so that every projection
that copied the data shows it as `[dihapus]`. The log itself is not touched: the audit
chain still verifies, and a replay reads the same `[dihapus]` live now shows."""

import asyncio
from dataclasses import dataclass, replace
from typing import Annotated, Any, cast
from uuid import UUID

import typer
from pydantic import ValidationError
from redis.asyncio.cluster import RedisCluster
from redis.exceptions import RedisError, ResponseError
from sqlalchemy.ext.asyncio import AsyncEngine

from services.cli import installation
from services.cli.offices import served_office
from services.courier.config import CourierSettings
from services.courier.photo_stores import photo_store
from services.courier.photos import PhotoStore, PhotoStoreUnusable
from services.intake.domain import dossier_stream
from shared.commands import run_command
from shared.db import make_engine
from shared.errors import ServiceUnavailable
from shared.events import (
    Actor,
    DocumentRegistered,
    Envelope,
    PersonalDataErased,
    new_event,
)
from shared.keys import Keys
from shared.log import EventLog
from shared.master_key import InsecureKey, load_or_create_master_key
from shared.privacy import Privacy, is_sealed
from shared.redis_client import NO_ACKS, AsyncRedis, ReplicaAcks, redis_setup
from shared.settings import CommonSettings
from shared.stores.tiered import tiered_store
from shared.tiered_data_keys import tiered_data_keys
from shared.vocabulary import Role

privacy = typer.Typer(help="Erase a person's personal data from the log, for good.")

SYSTEM_ACTOR = Actor(officer_id="system", name="jasa privacy erase", role=Role.AUDITOR)


async def _holds(redis: AsyncRedis, keys: Keys, stream: str) -> bool:
    """Whether the office's log has the stream: in Redis, or archived and trimmed from it."""
    if await redis.exists(keys.stream(stream)):
        return True
    return bool(await redis.hexists(*keys.trimmed(stream)))


class NoSuchDossier(Exception):
    pass


@dataclass(frozen=True, slots=True)
class Erasure:
    office: str
    key_destroyed: bool  # False: it was destroyed before, or never made
    event: Envelope | None  # the PersonalDataErased appended now; None if one was there
    sealed_in_log: bool  # False: registered before encryption, the log holds it in clear
    feed_entries: int  # manifests naming the dossier already handed to the third party
    answers_forgotten: int  # idempotency records that repeated its data
    aof_rewrite: str  # what Redis said to BGREWRITEAOF
    photos_removed: bool = False  # photo proofs of its delivery deleted from the photo store
    photos_left: str = ""  # why they could not be deleted now (they are unreadable already)


async def erase_personal_data(
    redis: AsyncRedis,
    keys: Keys,
    master_key: bytes,
    dossier_id: UUID,
    actor: Actor,
    acks: ReplicaAcks = NO_ACKS,
    archive: AsyncEngine | None = None,
) -> Erasure:
    """Destroy the dossier's data key, then tell the services (once). `archive`: the
    archive's database, where a finished dossier's events and its data key may have gone
    from Redis (they stay sealed under that key, destroyed in both places)."""
    # No privacy: the events as stored.
    log = (
        EventLog(tiered_store(redis, keys, archive, acks), keys)
        if archive
        else EventLog(redis, keys, acks=acks)
    )
    stream = dossier_stream(dossier_id)
    stored = await log.load(stream)
    registered = next((e.data for e in stored if isinstance(e.data, DocumentRegistered)), None)
    if registered is None:
        raise NoSuchDossier(f"there is no dossier {dossier_id} in office {keys.office}")
    store = tiered_data_keys(redis, keys, archive) if archive else redis
    destroyed = await Privacy(store, keys, master_key).erase(dossier_id)

    async def record_erasure() -> Envelope | None:
        stream_now = await log.load(stream)
        if any(isinstance(e.data, PersonalDataErased) for e in stream_now):
            return None  # erased before: the log says so once
        fresh = new_event(
            PersonalDataErased(dossier_id=dossier_id),
            stream_id=stream,
            actor=actor,
            office=keys.office,
        )
        (event,) = await log.append(stream, [fresh], len(stream_now))
        return event

    event = await run_command(
        record_erasure, busy=f"dossier {dossier_id} kept changing at this very moment; try again"
    )
    return Erasure(
        office=keys.office,
        key_destroyed=destroyed,
        event=event,
        sealed_in_log=is_sealed(registered.nik),
        feed_entries=await _feed_entries_naming(redis, keys, dossier_id),
        answers_forgotten=await _forget_answers_naming(redis, keys, dossier_id),
        aof_rewrite=await _rewrite_aof(redis),
    )


async def _feed_entries_naming(redis: AsyncRedis, keys: Keys, dossier_id: UUID) -> int:
    needle = str(dossier_id).encode()
    entries = cast(list[Any], await redis.xrange(keys.courier_feed))
    return sum(1 for _, fields in entries if needle in fields.get(b"__data__", b""))


async def _rewrite_aof(redis: AsyncRedis) -> str:
    """Compact the AOF file, so the destroyed key does not linger in the commands it keeps;
    on a cluster, every node's (the replicas hold the key too)."""
    try:
        if isinstance(redis, RedisCluster):
            await redis.bgrewriteaof(target_nodes=RedisCluster.ALL_NODES)
            return "started on every node"
        if not int((await redis.info("persistence")).get("aof_enabled", 1)):
            return "not needed (AOF is off; the destroyed key leaves the RDB at its next save)"
        await redis.bgrewriteaof()
    except ResponseError as error:  # already running, or the command is not allowed here
        return f"not started ({error})"
    return "started"


async def _forget_answers_naming(redis: AsyncRedis, keys: Keys, dossier_id: UUID) -> int:
    """Idempotency records (kept 24 h) that repeat the dossier's personal data: deleted.
    Each service keeps a request's record under the office its token names, so the
    dossier's answers are all among its office's keys (one shard, in a Redis Cluster)."""
    needle, forgotten = str(dossier_id).encode(), 0
    async for key in redis.scan_iter(match=keys.scoped("*:idem:*"), count=1000):
        record = await redis.get(key)
        if record and needle in record and b"nik" in record:
            forgotten += await redis.delete(key)
    return forgotten


def erase(
    dossier_id: Annotated[UUID, typer.Argument(help="the dossier whose person's data goes")],
    office: Annotated[
        str | None,
        typer.Option(help="the dossier's office; default the served office that holds it"),
    ] = None,
    officer_id: Annotated[
        str | None, typer.Option("--officer-id", help="the AUDITOR who orders it (NIP)")
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="that officer's name")] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="do not ask for confirmation")] = False,
) -> None:
    """Erase one dossier's personal data, for good.

    Its NIK, name, address, phone and document number, its receipt codes and photo proofs,
    and every note written about it, can never be read again; it can no longer be found; the
    log itself is unchanged."""
    settings = CommonSettings()
    offices = [served_office(settings, office)] if office else settings.served_offices()
    actor = _actor(officer_id, name)
    redis_url = installation.redis_url(settings)
    try:
        master_key = load_or_create_master_key(settings, create=False)
    except InsecureKey as error:
        typer.echo(f"{error} (give JASA_PII_KEY or JASA_DATA_DIR)", err=True)
        raise typer.Exit(2) from None
    try:
        photos = photo_store(CourierSettings())
    except (PhotoStoreUnusable, ValidationError) as error:
        typer.echo(f"the courier's photo store: {error}", err=True)
        raise typer.Exit(2) from None
    if not yes:
        typer.confirm(
            f"Erase the personal data of dossier {dossier_id} for good? It cannot be undone",
            abort=True,
        )
    try:
        erasure = asyncio.run(
            _erase(settings, redis_url, offices, master_key, photos, dossier_id, actor)
        )
    except NoSuchDossier as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(1) from None
    except PhotoStoreUnusable as error:
        typer.echo(f"{error}; nothing was erased", err=True)
        raise typer.Exit(2) from None
    except (RedisError, OSError) as error:
        typer.echo(f"cannot reach Redis: {error}", err=True)
        raise typer.Exit(2) from None
    _report(dossier_id, erasure)
    if erasure.photos_left:
        raise typer.Exit(1)


def _actor(officer_id: str | None, name: str | None) -> Actor:
    """The AUDITOR who orders the erasure, or the system when none is named."""
    if officer_id is None and name is None:
        return SYSTEM_ACTOR
    if not (officer_id or "").strip() or not (name or "").strip():
        raise typer.BadParameter("give both --officer-id and --name, or neither (system actor)")
    assert officer_id is not None and name is not None
    return Actor(officer_id=officer_id.strip(), name=name.strip(), role=Role.AUDITOR)


async def _erase(
    settings: CommonSettings,
    redis_url: str,
    offices: list[str],
    master_key: bytes,
    photos: PhotoStore,
    dossier_id: UUID,
    actor: Actor,
) -> Erasure:
    try:
        await photos.check()  # a bucket out of reach stops it before anything is erased
        setup = await asyncio.to_thread(redis_setup, settings, redis_url)  # it asks the server
        redis = setup.client()
        archive = make_engine(settings.resolved_archive_url())
        try:
            keys = await _office_holding(redis, settings, offices, dossier_id)
            erasure = await erase_personal_data(
                redis, keys, master_key, dossier_id, actor, setup.acks, archive
            )
        finally:
            await redis.aclose()
            await archive.dispose()
        # Unreadable already (their key is gone); the sealed photos go too.
        try:
            removed = await photos.erase(erasure.office, dossier_id)
        except ServiceUnavailable as error:
            return replace(erasure, photos_left=error.detail)
        return replace(erasure, photos_removed=removed)
    finally:
        await photos.aclose()


async def _office_holding(
    redis: AsyncRedis, settings: CommonSettings, offices: list[str], dossier_id: UUID
) -> Keys:
    """The keys of the office (of `offices`) whose log holds the dossier; of the only one
    named, whether or not (`erase_personal_data` then says it is not there)."""
    candidates = [Keys(office, settings.key_prefix) for office in offices]
    if len(candidates) == 1:
        return candidates[0]
    stream = dossier_stream(dossier_id)
    holding = [keys for keys in candidates if await _holds(redis, keys, stream)]
    if not holding:
        raise NoSuchDossier(
            f"there is no dossier {dossier_id} in any office served ({', '.join(offices)})"
        )
    if len(holding) > 1:  # one id in two offices' logs: only a person can say which is meant
        found = ", ".join(keys.office for keys in holding)
        raise NoSuchDossier(f"dossier {dossier_id} is in offices {found}: name one with --office")
    return holding[0]


def _report(dossier_id: UUID, erasure: Erasure) -> None:
    typer.echo(f"office {erasure.office}")
    if erasure.key_destroyed:
        typer.echo(f"the data key of dossier {dossier_id} is destroyed")
    else:
        typer.echo(f"dossier {dossier_id} had no data key left (erased before)")
    if erasure.event is not None:
        typer.echo(
            f"PersonalDataErased appended at {erasure.event.position}: the services show its "
            "NIK, name, address, phone, document number and notes as [dihapus] within "
            "moments, and intake no longer finds it by them"
        )
    else:
        typer.echo("PersonalDataErased was appended before; nothing more to tell the services")
    if not erasure.sealed_in_log:
        typer.echo(
            "warning: this dossier was registered before personal data was encrypted; the "
            "log still holds its data in clear"
        )
    if erasure.feed_entries:
        typer.echo(
            f"note: {erasure.feed_entries} handover manifest(s) naming it went out on the "
            "courier feed before; the third party's copies are beyond the office's reach"
        )
    if erasure.answers_forgotten:
        typer.echo(
            f"{erasure.answers_forgotten} kept answer(s) to a retried request that repeated "
            "its data were deleted"
        )
    if erasure.photos_removed:
        typer.echo("the photo proofs of its delivery are deleted")
    if erasure.photos_left:
        typer.echo(
            f"the photo proofs of its delivery could not be deleted now: {erasure.photos_left}. "
            "They are unreadable already (their key is gone); run this command again to delete "
            "them"
        )
    typer.echo(f"Redis AOF rewrite (drops the destroyed key from the file): {erasure.aof_rewrite}")
    typer.echo("the log is unchanged: `jasa audit verify` still holds")


def register(app: typer.Typer) -> None:
    privacy.command("erase")(erase)
    app.add_typer(privacy, name="privacy")
