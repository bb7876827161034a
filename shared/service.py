"""What every service is made of, wired in one place: its context (settings, Redis and the
log, the database: `shared.context`), the consumer group, the FastAPI app with its problems,
guards and idempotency.

Each service's composition root (`services/<name>/main.py`) calls `create_service_app`
with its own routers and its projection handler; nothing is built at import time."""

import asyncio
import contextlib
import logging
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from fastapi import APIRouter, FastAPI
from pydantic import BaseModel
from sqlalchemy import text

from shared.asyncapi import asyncapi_document, describe_appends
from shared.consumer import ConsumerOptions, EventConsumer, Handler, default_consumer_name
from shared.context import ServiceContext, build_context
from shared.db import create_tables
from shared.errors import ServiceUnavailable
from shared.events import EventData
from shared.heap import freeze_heap
from shared.http.api_docs import serve_api_docs
from shared.http.guards import GuardMiddleware
from shared.http.idempotency import IdempotencyMiddleware
from shared.http.openapi import declare_problems
from shared.http.problems import install_problem_handlers
from shared.identity import InsecureSecret
from shared.master_key import InsecureKey
from shared.redaction import install_log_redaction
from shared.settings import ServiceSettings
from shared.stores.tiered import TieredEventStore
from shared.web.install import install_site


class Worker(Protocol):
    """Work a service process does in the background beside its consumer (the courier's
    webhook deliveries): started after the consumers, stopped before them."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


# A service's own hooks see its own settings' type; the spec holds them alike.
HandlerFactory = Callable[[ServiceContext[Any]], Handler]
Hook = Callable[[ServiceContext[Any]], Awaitable[None]]
WorkerFactory = Callable[[ServiceContext[Any]], Sequence[Worker]]


@dataclass(frozen=True)
class ServiceSpec:
    """What makes one service itself: its routers, what it consumes and publishes."""

    name: str
    title: str
    description: str
    routers: Sequence[APIRouter]
    publishes: Sequence[type[EventData]] = ()
    consumes: Sequence[type[EventData]] = ()
    feed: type[BaseModel] | None = None  # the entries it adds to each office's courier feed
    projection: HandlerFactory | None = None
    on_startup: Sequence[Hook] = ()
    on_shutdown: Sequence[Hook] = ()  # after the consumer stopped, before connections close
    uploads: Sequence[str] = ()  # paths (regular expressions) whose multipart POST takes a file
    pages: APIRouter | None = None  # its pages (`services/<name>/pages.py`), with /login
    workers: WorkerFactory | None = None  # built with the app; they open nothing until started


def broker_logger() -> logging.Logger:
    """The broker's log lines, plain: FastStream's own logger colours them even when they go
    to a file, as each service's log under `jasa up` does."""
    logger = logging.getLogger("jasa.broker")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-8s - %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    return logger


def build_consumer(
    spec: ServiceSpec, context: ServiceContext, office: str, handle: Handler
) -> EventConsumer:
    """The service's consumer group on one office's log; its broker also describes what
    the service appends there, for the AsyncAPI document."""
    settings = context.settings
    broker = context.redis_setup.broker(log_level=logging.DEBUG, logger=broker_logger())
    group = settings.consumer_group or settings.service
    options = ConsumerOptions(
        group=group,
        consumer=settings.consumer_name or default_consumer_name(group),
        claim_idle_ms=settings.claim_idle_ms,
        max_deliveries=settings.max_deliveries,
    )
    log = context.log_for(office)
    describe_appends(broker, log.keys, spec.publishes, spec.feed)
    archived = log.store if isinstance(log.store, TieredEventStore) else None
    return EventConsumer(broker, context.redis, log.keys, options, handle, log.reveal_all, archived)


def create_service_app(spec: ServiceSpec, settings: ServiceSettings) -> FastAPI:
    try:
        context = build_context(settings)
        # One handler; each event names its office. Built here, as it may load a key of its
        # own (reporting's signing key) whose refusal reads like the secret's.
        handle = spec.projection(context) if spec.projection is not None else None
    except (InsecureSecret, InsecureKey) as error:
        # A sentence and exit code 1 (uvicorn would print a traceback around it).
        raise SystemExit(f"jasa {spec.name}: refusing to start: {error}") from None
    install_log_redaction(context.token_secrets)
    workers = list(spec.workers(context)) if spec.workers is not None else []
    if handle is not None:
        context.consumers = {
            office: build_consumer(spec, context, office, handle) for office in context.offices
        }

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await create_tables(context.engine)
        for hook in spec.on_startup:
            await hook(context)
        for consumer in context.consumers.values():
            await consumer.start()
        for worker in workers:
            await worker.start()
        freeze_heap()
        try:
            yield
        finally:
            for worker in workers:
                await worker.stop()
            for consumer in context.consumers.values():
                await consumer.stop()
            for hook in spec.on_shutdown:
                await hook(context)
            for log in context.logs.values():
                await log.aclose()
            await context.redis.aclose()
            await context.engine.dispose()
            if context.archive is not None:
                await context.archive.dispose()

    app = FastAPI(
        title=spec.title,
        description=spec.description,
        lifespan=lifespan,
        docs_url=None,  # served by serve_api_docs, from the service's own files
        redoc_url=None,
    )
    app.state.context = context
    install_problem_handlers(app)
    app.add_middleware(IdempotencyMiddleware, context=context, service=spec.name)
    app.add_middleware(GuardMiddleware, uploads=spec.uploads)
    for router in spec.routers:
        app.include_router(router)
    if spec.pages is not None:
        install_site(app, spec.name, context, spec.pages)
    _add_operational_routes(app, spec, context)
    declare_problems(app)
    serve_api_docs(app)
    return app


def _add_operational_routes(app: FastAPI, spec: ServiceSpec, context: ServiceContext) -> None:
    brokers = [consumer.broker for consumer in context.consumers.values()]
    document = asyncapi_document(spec.title, brokers, list(context.offices))

    @app.get("/health", tags=["operations"])
    async def health() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok", "service": spec.name}

    not_ready: dict[int | str, dict[str, Any]] = {
        503: {"description": "Not ready: names what is missing (Redis, the database, a consumer)."}
    }

    @app.get("/ready", tags=["operations"], responses=not_ready)
    async def ready() -> dict[str, Any]:
        """Readiness: Redis and the database reachable, each office's consumer running."""
        checks = {"redis": False, "database": False, "consumer": True}
        with contextlib.suppress(Exception):
            checks["redis"] = bool(await asyncio.wait_for(context.redis.ping(), 2))
        with contextlib.suppress(Exception):
            async with context.engine.connect() as connection:
                await asyncio.wait_for(connection.execute(text("SELECT 1")), 2)
            checks["database"] = True
        consumers = {office: c.running for office, c in context.consumers.items()}
        checks["consumer"] = all(consumers.values())
        if all(checks.values()):
            return {"status": "ready", "checks": checks, "consumers": consumers}
        missing = [name for name in ("redis", "database") if not checks[name]]
        missing += [f"consumer of office {office}" for office, ok in consumers.items() if not ok]
        raise ServiceUnavailable("not ready: " + ", ".join(missing))

    @app.get("/asyncapi.json", tags=["operations"])
    async def asyncapi() -> dict[str, Any]:
        """The AsyncAPI document of the events this service publishes and consumes."""
        return document
