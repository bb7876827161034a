"""Sign-in, sessions and CSRF on a real service app (in process) over the real Redis: one
sign-in serves all four services, sign-out and suspension end the session at once, five
failures lock a username, and a POST without its CSRF token is refused."""

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from redis.asyncio import Redis

from services.approval.main import create_app as create_approval
from services.intake.main import create_app as create_intake
from services.reporting.main import create_app as create_reporting
from shared.keys import Keys
from shared.log import EventLog
from shared.officers.directory import OfficerDirectory
from shared.officers.sign_ins import SecurityRecord, SignInKind
from shared.vocabulary import Role
from shared.web.sessions import COOKIE, end_sessions_of
from tests.conftest import running, token_for
from tests.integration.officers.conftest import ADMIN, csrf_of, enrol, sign_in

WRONG = "Nama pengguna atau kata sandi salah."


@pytest.fixture
async def intake(service_env: dict[str, str]) -> AsyncIterator[httpx.AsyncClient]:
    async with running(create_intake()) as client:
        yield client


async def test_an_officer_signs_in_and_lands_on_their_queue(
    intake: httpx.AsyncClient, redis: Redis, keys: Keys
) -> None:
    await enrol(redis, keys, "siti", Role.FO)
    answer = await sign_in(intake, "Siti")
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    cookie = answer.cookies[COOKIE]
    set_cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in set_cookie and "samesite=lax" in set_cookie and "secure" not in set_cookie
    landing = await intake.get("/")
    assert landing.status_code == 200
    assert '<html lang="id">' in landing.text
    assert "Pendaftaran dokumen" in landing.text and "Siti" in landing.text
    assert cookie.startswith("1471.")


async def test_one_sign_in_serves_the_other_services(
    service_env: dict[str, str], redis: Redis, keys: Keys
) -> None:
    await enrol(redis, keys, "sekretaris", Role.SEKRETARIS)
    async with running(create_intake()) as intake, running(create_approval()) as approval:
        answer = await sign_in(intake, "sekretaris")
        assert answer.headers["location"].endswith(":8002/")  # their queue is on approval
        approval.cookies.set(COOKIE, answer.cookies[COOKIE])
        queue = await approval.get("/")
        assert queue.status_code == 200 and "Surat menunggu tanda tangan" in queue.text


async def test_a_wrong_password_and_an_unknown_username_get_the_same_answer(
    intake: httpx.AsyncClient, redis: Redis, keys: Keys
) -> None:
    await enrol(redis, keys, "siti", Role.FO)
    wrong = await sign_in(intake, "siti", "bukan-kata-sandinya")
    unknown = await sign_in(intake, "tidak.ada", "bukan-kata-sandinya")
    assert wrong.status_code == unknown.status_code == 401
    assert WRONG in wrong.text and WRONG in unknown.text
    assert COOKIE not in wrong.cookies and COOKIE not in unknown.cookies
    assert (await intake.get("/")).status_code == 303


async def test_five_failures_lock_a_username_even_against_the_right_password(
    intake: httpx.AsyncClient, redis: Redis, keys: Keys
) -> None:
    await enrol(redis, keys, "siti", Role.FO)
    answers = [await sign_in(intake, "siti", f"salah-{n}-kata-sandi") for n in range(5)]
    assert [a.status_code for a in answers] == [401, 401, 401, 401, 401]
    assert "Terlalu banyak percobaan" in answers[-1].text
    right = await sign_in(intake, "siti")
    assert right.status_code == 429 and "Coba lagi dalam 15 menit" in right.text
    assert COOKIE not in right.cookies
    record = await SecurityRecord(redis, keys).latest()
    kinds = [entry.kind for entry in record]
    assert kinds[:2] == [SignInKind.REFUSED_LOCKED, SignInKind.LOCKED]
    assert kinds.count(SignInKind.FAILED) == 4
    assert all(entry.username == "siti" for entry in record)


async def test_an_unknown_username_is_locked_alike_and_recorded_without_its_text(
    intake: httpx.AsyncClient, redis: Redis, keys: Keys
) -> None:
    for n in range(5):
        await sign_in(intake, "kata-sandi-salah-ketik", f"x-{n}-salah-lagi")
    locked = await sign_in(intake, "kata-sandi-salah-ketik", "x")
    assert locked.status_code == 429
    record = await SecurityRecord(redis, keys).latest()
    assert {entry.username for entry in record} == {None}


async def test_a_post_without_its_csrf_token_is_refused(
    intake: httpx.AsyncClient, redis: Redis, keys: Keys
) -> None:
    await enrol(redis, keys, "siti", Role.FO)
    await intake.get("/login")
    no_token = await intake.post("/login", data={"username": "siti", "password": "x" * 12})
    assert no_token.status_code == 403 and "token keamanan" in no_token.text
    await sign_in(intake, "siti")
    logout = await intake.post("/logout", data={"csrf_token": "palsu"})
    assert logout.status_code == 403
    assert (await intake.get("/")).status_code == 200  # still signed in


async def test_a_page_of_another_role_is_refused_with_a_page_in_indonesian(
    service_env: dict[str, str], redis: Redis, keys: Keys
) -> None:
    await enrol(redis, keys, "kurir", Role.COURIER)
    async with running(create_reporting()) as reporting:
        await sign_in(reporting, "kurir")
        refused = await reporting.get("/")
        assert refused.status_code == 403
        assert "Akses ditolak" in refused.text and "Anda masuk sebagai Kurir" in refused.text


async def test_without_a_session_a_page_sends_the_browser_to_sign_in_and_back(
    intake: httpx.AsyncClient, redis: Redis, keys: Keys
) -> None:
    await enrol(redis, keys, "siti", Role.FO)
    away = await intake.get("/", params={"status": "FLAGGED"})
    assert away.status_code == 303
    assert away.headers["location"] == "/login?next=/%3Fstatus%3DFLAGGED"
    back = await sign_in(intake, "siti", next="/?status=FLAGGED")
    assert back.headers["location"] == "/?status=FLAGGED"
    intake.cookies.clear()
    elsewhere = await sign_in(intake, "siti", next="//evil.example/")
    assert elsewhere.headers["location"] == "/"


async def test_signing_out_ends_the_session_at_once(
    intake: httpx.AsyncClient, redis: Redis, keys: Keys
) -> None:
    await enrol(redis, keys, "siti", Role.FO)
    await sign_in(intake, "siti")
    cookie = intake.cookies[COOKIE]
    page = await intake.get("/")
    out = await intake.post("/logout", data={"csrf_token": csrf_of(page.text)})
    assert out.status_code == 303 and out.headers["location"] == "/login?keluar=1"
    intake.cookies.set(COOKIE, cookie)  # a copy of the old cookie opens nothing
    assert (await intake.get("/")).status_code == 303


async def test_a_suspended_officers_session_ends_and_they_cannot_sign_in(
    intake: httpx.AsyncClient, redis: Redis, keys: Keys
) -> None:
    await enrol(redis, keys, "siti", Role.FO)
    await sign_in(intake, "siti")
    await OfficerDirectory(EventLog(redis, keys)).suspend("siti", ADMIN)
    await end_sessions_of(redis, keys, "siti")  # what `jasa officer suspend` does
    assert (await intake.get("/")).status_code == 303
    again = await sign_in(intake, "siti")
    assert again.status_code == 403 and "ditangguhkan" in again.text


async def test_the_api_keeps_its_bearer_tokens_and_ignores_a_session(
    intake: httpx.AsyncClient, redis: Redis, keys: Keys
) -> None:
    await enrol(redis, keys, "siti", Role.FO)
    await sign_in(intake, "siti")
    assert (await intake.get("/dossiers")).status_code == 401
    assert (await intake.get("/dossiers", headers=token_for("FO"))).status_code == 200


async def test_a_session_ends_after_its_idle_time(
    service_env: dict[str, str], redis: Redis, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JASA_SESSION_IDLE_S", "1")
    await enrol(redis, keys, "siti", Role.FO)
    async with running(create_intake()) as intake:
        await sign_in(intake, "siti")
        assert (await intake.get("/")).status_code == 200
        await asyncio.sleep(2.2)
        assert (await intake.get("/")).status_code == 303


async def test_a_session_ends_after_its_absolute_time_however_busy(
    service_env: dict[str, str], redis: Redis, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JASA_SESSION_ABSOLUTE_S", "2")
    await enrol(redis, keys, "siti", Role.FO)
    async with running(create_intake()) as intake:
        await sign_in(intake, "siti")
        statuses = []
        for _ in range(6):
            statuses.append((await intake.get("/")).status_code)
            await asyncio.sleep(0.5)
        assert statuses[0] == 200 and statuses[-1] == 303


async def test_the_auditor_reads_sign_ins_failures_and_sign_outs_on_reporting(
    service_env: dict[str, str], redis: Redis, keys: Keys
) -> None:
    await enrol(redis, keys, "siti", Role.FO)
    async with running(create_reporting()) as reporting:
        await sign_in(reporting, "siti", "bukan-kata-sandinya")
        await sign_in(reporting, "siti")
        auditor = await reporting.get("/audit/sign-ins", headers=token_for("AUDITOR"))
        assert auditor.status_code == 200
        entries = auditor.json()["items"]
        assert [(e["kind"], e["username"]) for e in entries] == [
            ("SIGNED_IN", "siti"),
            ("FAILED", "siti"),
        ]
        assert entries[0]["at"].endswith("+07:00")
        assert "kata-sandi" not in auditor.text
        fo = await reporting.get("/audit/sign-ins", headers=token_for("FO"))
        assert fo.status_code == 403


async def test_a_page_read_after_a_command_waits_for_the_command_to_be_applied(
    service_env: dict[str, str], redis: Redis, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JASA_READ_WAIT_S", "0.3")
    await enrol(redis, keys, "kasubbag", Role.KASUBBAG_UMUM)
    app = create_approval()
    async with running(app) as approval:
        await sign_in(approval, "kasubbag")
        sessions = app.state.site.sessions
        session = await sessions.find(approval.cookies[COOKIE])
        (enrolled,) = await EventLog(redis, keys).load("officers")
        assert enrolled.position is not None
        await sessions.remember_position(session, enrolled.position)
        page = await approval.get("/")
        consumer = app.state.context.consumers["1471"]
        assert await consumer.progress.has_applied(enrolled.position)
        assert "Data sedang diperbarui" not in page.text
        await consumer.stop()  # the read model stops following the log
        later = await enrol(redis, keys, "sekretaris", Role.SEKRETARIS)
        (_, enrolled_later) = await EventLog(redis, keys).load("officers")
        assert enrolled_later.data.username == later.username
        await sessions.remember_position(session, enrolled_later.position)
        late = await approval.get("/")
        assert late.status_code == 200
        assert "Data sedang diperbarui" in late.text


async def test_htmx_sends_the_csrf_token_as_a_header_and_an_overlong_field_is_a_wrong_sign_in(
    intake: httpx.AsyncClient, redis: Redis, keys: Keys
) -> None:
    await enrol(redis, keys, "siti", Role.FO)
    form = await intake.get("/login")
    overlong = await intake.post(
        "/login",
        data={"username": "siti", "password": "x" * 5000},
        headers={"X-CSRF-Token": csrf_of(form.text)},
    )
    assert overlong.status_code == 401 and WRONG in overlong.text
    await sign_in(intake, "siti")
    page = await intake.get("/")
    assert f'"X-CSRF-Token": "{csrf_of(page.text)}"' in page.text  # the body's hx-headers
    out = await intake.post(
        "/logout", headers={"X-CSRF-Token": csrf_of(page.text), "HX-Request": "true"}
    )
    assert out.status_code == 303
    again = await intake.get("/", headers={"HX-Request": "true"})
    assert again.status_code == 401 and again.headers["HX-Redirect"] == "/login?next=/"


async def test_an_officer_of_another_served_office_signs_in_to_their_own_office(
    service_env: dict[str, str], redis: Redis, key_prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JASA_OFFICES", "1471,1472")
    await enrol(redis, Keys("1472", key_prefix), "dumai.fo", Role.FO)
    async with running(create_intake()) as intake:
        answer = await sign_in(intake, "dumai.fo")
        assert answer.status_code == 303
        assert answer.cookies[COOKIE].startswith("1472.")
        assert (await intake.get("/")).status_code == 200


async def test_in_production_the_session_cookie_is_secure(
    service_env: dict[str, str], redis: Redis, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    import base64
    import secrets

    monkeypatch.setenv("JASA_ENV", "production")
    monkeypatch.setenv("JASA_SECRET", secrets.token_urlsafe(48))
    monkeypatch.setenv("JASA_PII_KEY", base64.b64encode(secrets.token_bytes(32)).decode())
    await enrol(redis, keys, "siti", Role.FO)
    app = create_intake()
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="https://testserver"
        ) as intake,  # behind the TLS proxy production has: Secure cookies come back
    ):
        answer = await sign_in(intake, "siti")
        assert answer.status_code == 303
        assert "secure" in answer.headers["set-cookie"].lower()
        assert (await intake.get("/")).status_code == 200
