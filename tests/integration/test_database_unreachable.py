"""When a service's SQL database cannot be reached (PostgreSQL down or refusing connections,
its database gone, an SQLite file that cannot be opened), a read and a command both get a
clear 503 problem with `Retry-After`, as when Redis is down: nothing is appended to the log,
the outage is logged once as an error, without personal data or SQL, and once the database
is back the same requests succeed. A database error that is a bug stays a 500 problem."""

import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg
import httpx
import pytest
from fastapi import APIRouter, FastAPI
from sqlalchemy import text
from sqlalchemy.engine import make_url

from services.intake.domain import RegistryEntry
from services.intake.main import create_app as intake_app
from services.intake.registry import load_registry
from shared.db import create_tables, database_unreachable, make_engine
from shared.http.deps import SessionDep
from shared.redis_server import free_port
from shared.service import ServiceSpec, create_service_app
from shared.settings import ServiceSettings
from shared.vocabulary import DocumentType
from tests.conftest import POSTGRES_ADMIN_URL, running, token_for
from tests.factories import registration
from tests.openapi_support import assert_answers_as_declared
from tests.postgres_relay import Relay

FO = token_for("FO", officer_id="198001012005011001", name="Siti Rahma")
NIK = "1471014506900003"
OUT_OF_REACH = "the database cannot be reached right now; nothing was written, try again"

Step = Callable[[], Awaitable[None]]


async def out_of_reach_then_back(
    app: FastAPI,
    client: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
    cut: Step,
    mend: Step,
) -> None:
    """Reads and commands while `cut` holds answer 503 and write nothing; after `mend` they
    succeed, a retry under the same Idempotency-Key included."""
    context = app.state.context
    entry = RegistryEntry(
        DocumentType.KTP_EL, f"KTP-{uuid.uuid4().hex[:10].upper()}", NIK, "Rina Marlina", True
    )
    await load_registry(context.engine, [entry], office="1471")
    document = (await client.get("/openapi.json")).json()
    assert (await client.get("/dossiers", headers=FO)).status_code == 200
    logged = await context.redis.xlen(context.keys.log)
    retry = {**FO, "Idempotency-Key": f"register-{entry.document_number}"}

    await cut()
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        read = await client.get("/dossiers", headers=FO)
        command = await client.post("/dossiers", json=registration(entry), headers=FO)
        first_try = await client.post("/dossiers", json=registration(entry), headers=retry)
    for method, answer in (("get", read), ("post", command), ("post", first_try)):
        assert answer.status_code == 503, answer.text
        assert answer.headers["retry-after"] == "2"
        assert answer.json()["detail"] == OUT_OF_REACH
        assert_answers_as_declared(document, method, "/dossiers", answer)
    assert await context.redis.xlen(context.keys.log) == logged
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert [record.name for record in errors] == ["jasa.problems"] * 3, caplog.text
    assert "the database cannot be reached" in errors[0].getMessage()
    for secret in (NIK, entry.document_number, "SELECT", "[SQL"):
        assert secret not in caplog.text

    await mend()
    assert (await client.get("/dossiers", headers=FO)).status_code == 200
    registered = await client.post("/dossiers", json=registration(entry), headers=retry)
    assert registered.status_code == 201, registered.text
    assert "idempotent-replay" not in registered.headers  # the 503 was not kept as the answer
    assert await context.redis.xlen(context.keys.log) == logged + 1


# --- PostgreSQL ------------------------------------------------------------------------------


async def test_while_postgresql_refuses_connections_reads_and_commands_are_a_503_problem(
    service_env: dict[str, str],
    postgres_url: str,
    relay: Relay,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("DATABASE_URL", relay.url_for(postgres_url))
    app = intake_app()
    async with running(app) as client:
        await out_of_reach_then_back(app, client, caplog, relay.close, relay.open)


async def test_while_the_postgresql_database_is_gone_reads_and_commands_are_a_503_problem(
    service_env: dict[str, str],
    postgres_url: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    name = make_url(postgres_url).database
    away = f"{name}_away"

    async def rename(old: str, new: str) -> None:
        admin = await asyncpg.connect(POSTGRES_ADMIN_URL)
        try:
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", old
            )
            await admin.execute(f'ALTER DATABASE "{old}" RENAME TO "{new}"')
        finally:
            await admin.close()

    async def gone() -> None:
        await rename(name, away)

    async def back() -> None:
        await rename(away, name)

    monkeypatch.setenv("DATABASE_URL", postgres_url)
    app = intake_app()
    async with running(app) as client:
        try:
            await out_of_reach_then_back(app, client, caplog, gone, back)
        finally:
            with contextlib.suppress(asyncpg.InvalidCatalogNameError):
                await back()  # so that the fixture drops it


# --- SQLite ----------------------------------------------------------------------------------


async def test_while_the_sqlite_file_cannot_be_opened_reads_and_commands_are_a_503_problem(
    service_env: dict[str, str], data_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    database = data_dir / "intake.db"
    aside = [(data_dir / f"intake.db{end}", data_dir / f"aside{end}") for end in ("", "-wal")]
    app = intake_app()

    async def cannot_be_opened() -> None:
        # SQLite keeps reading a file it has open (even renamed or made unreadable, and the
        # tests run as root): only a new connection finds it gone, so the pool lets go first.
        await app.state.context.engine.dispose()
        for path, elsewhere in aside:
            if path.exists():
                path.rename(elsewhere)
        database.mkdir()  # where the file was, a directory: SQLITE_CANTOPEN

    async def back() -> None:
        database.rmdir()
        for path, elsewhere in aside:
            if elsewhere.exists():
                elsewhere.rename(path)

    async with running(app) as client:
        await out_of_reach_then_back(app, client, caplog, cannot_be_opened, back)


# --- a bug is not an outage ------------------------------------------------------------------

router = APIRouter()


@router.get("/broken-query")
async def broken_query(session: SessionDep) -> None:
    """A statement that is wrong: no such table."""
    connection = await session.connection()
    await connection.execute(text("SELECT nik FROM no_such_table"))


@router.post("/duplicate")
async def duplicate(session: SessionDep) -> None:
    """A row that breaks a unique key the route does not expect to meet."""
    connection = await session.connection()
    await connection.execute(text("CREATE TABLE IF NOT EXISTS once (nik TEXT PRIMARY KEY)"))
    for _ in range(2):
        await connection.execute(text("INSERT INTO once VALUES (:nik)"), {"nik": NIK})


@router.get("/missing-file")
def missing_file() -> str:
    """An OSError that has nothing to do with the database."""
    return Path("/nonexistent/jasa/font.ttf").read_text()


PROBE = ServiceSpec(name="probe", title="Jasa Dukcapil - probe", description="", routers=[router])


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'probe.db'}"
    return str(request.getfixturevalue("postgres_url"))


async def test_a_database_error_that_is_a_bug_is_a_500_problem_not_a_503(
    service_env: dict[str, str], tmp_path: Path, database_url: str
) -> None:
    app = create_service_app(PROBE, ServiceSettings(database_url=database_url))
    # The server's transport: the app's exception goes on to the server's log after the answer.
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as client,
    ):
        answers = [
            await client.get("/broken-query"),
            await client.post("/duplicate", json={}),
            await client.get("/missing-file"),
        ]
    for answer in answers:
        assert answer.status_code == 500, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        assert "retry-after" not in answer.headers
        problem = answer.json()
        assert problem["title"] == "Internal server error"
        assert "unexpected error" in problem["detail"]
        for told in ("no_such_table", "once", NIK, "font"):
            assert told not in answer.text


async def raised_by(statement: Awaitable[object]) -> BaseException:
    try:
        await statement
    except Exception as error:
        return error
    raise AssertionError("the statement did not fail")


async def test_only_a_database_out_of_reach_counts_as_unreachable(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    await create_tables(engine)
    duplicate = text("INSERT INTO applied_event VALUES ('p', '1-0')")
    async with engine.begin() as connection:
        await connection.execute(duplicate)
    bugs = []
    for wrong in (text("SELECT * FROM no_such_table"), duplicate):
        async with engine.connect() as connection:
            bugs.append(await raised_by(connection.execute(wrong)))
    async with engine.connect() as connection:  # its server process ended under it
        pid = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        admin = await asyncpg.connect(POSTGRES_ADMIN_URL)
        await admin.execute("SELECT pg_terminate_backend($1)", pid)
        await admin.close()
        dropped = await raised_by(connection.execute(text("SELECT 1")))
    refused = await raised_by(
        make_engine(f"postgresql://postgres@127.0.0.1:{free_port()}/jasa").connect()
    )
    await engine.dispose()
    assert [type(bug).__name__ for bug in bugs] == ["ProgrammingError", "IntegrityError"]
    assert not any(database_unreachable(bug) for bug in bugs)
    assert database_unreachable(dropped) and database_unreachable(refused)
    assert not database_unreachable(FileNotFoundError("font.ttf"))  # not the database's
