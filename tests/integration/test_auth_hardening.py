"""Auth hardening (issue 13, section 5), each finding of the probe shown fixed, on SQLite and
PostgreSQL: concurrent guesses trip the throttle, a throttle that slows without locking out
and answers alike for unknown accounts, sign-ins that cannot starve other requests,
server-side sessions, tokens with an owner and an expiry, no-store, private metrics and docs.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select, text

from aftercare.auth import throttle
from aftercare.auth.housekeeping import forget_stale_sign_ins
from aftercare.auth.tokens import DEFAULT_LIFETIME, TokenCache, create_token
from aftercare.bootstrap import celery_app
from aftercare.cli import main
from aftercare.container import Container
from aftercare.db.migrate import upgrade
from aftercare.db.models import ApiToken, LoginThrottle, User, UserSession
from aftercare.db.session import transaction
from tests.conftest import FrozenClock
from tests.integration.test_web_support import (
    PASSWORD,
    TOKEN,
    Web,
    add_user,
    make_web,
    text_of,
)
from tests.support.loop import run_async

NURSE = "nurse@example.org"


@pytest.fixture
def web(make_container: Callable[..., Container], db_url: str, clock: FrozenClock) -> Web:
    return make_web(make_container, db_url, clock=clock)


def second_browser(web: Web, address: str = "testclient") -> Web:
    client = TestClient(web.app, base_url="https://testserver", follow_redirects=False,
                        client=(address, 50000))
    return Web(client=client, container=web.container, app=web.app)


def owned_token(container: Container, owner_id: int | None, **kwargs: Any) -> str:
    with transaction(container.sessions) as session:
        return create_token(session, name="front desk", role="staff", owner_id=owner_id,
                            now=container.clock(), **kwargs)


async def _logins(app: Any, attempts: list[tuple[str, str]]) -> list[httpx.Response]:
    """Sign-in attempts all at once, from one browser (one CSRF token)."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as client:
        form = await client.get("/login")
        found = TOKEN.search(form.text)
        assert found
        return list(await asyncio.gather(*(
            client.post("/login", data={"email": email, "password": password,
                                        "csrf_token": found.group(1)})
            for email, password in attempts)))




# --- 1. an atomic count ---------------------------------------------------------------


def test_twenty_concurrent_wrong_passwords_trip_the_throttle(web: Web) -> None:
    add_user(web.container, NURSE, "staff")
    answers = run_async(lambda: _logins(web.app, [(NURSE, f"wrong guess {n:02}")
                                                   for n in range(20)]))
    statuses = sorted(a.status_code for a in answers)
    # Only the free attempts were checked; the others were refused unchecked.
    assert statuses == [401] * 5 + [429] * 15
    with web.container.sessions() as session:
        account = session.get_one(LoginThrottle, throttle.account_key(NURSE))
        counts = sorted(session.scalars(select(LoginThrottle.failures)))
    # The account counted exactly the checked attempts; the address every attempt it made.
    assert account.failures == 5 and counts == [5, 20]


# --- 2. slowed, not locked out; unknown accounts alike ---------------------------------


def _answers(web: Web, email: str, tries: int) -> list[tuple[int, str | None, str]]:
    seen = []
    for _ in range(tries):
        response = web.login(email, "wrong password!")
        body = re.sub(r'value="[^"]*"', "", response.text)  # the echoed email, the token
        seen.append((response.status_code, response.headers.get("retry-after"), body))
    return seen


def test_unknown_and_existing_accounts_get_the_same_answers(web: Web) -> None:
    add_user(web.container, NURSE, "staff")
    real = _answers(web, NURSE, 7)
    unknown = _answers(web, "nobody@example.org", 7)
    assert real == unknown
    assert [status for status, _, _ in real] == [401] * 5 + [429] * 2
    with web.container.sessions() as session:
        # One row per account (known or not) and one for the address; no emails stored.
        keys = list(session.scalars(select(LoginThrottle.key)))
        assert len(keys) == 3 and not any("@" in key for key in keys)


def test_the_wait_grows_but_never_keeps_the_clinician_out(web: Web, clock: FrozenClock
                                                          ) -> None:
    add_user(web.container, NURSE, "clinician")
    waits = []
    for round in range(12):  # guessing as fast as they are let, from ever new addresses
        attacker = second_browser(web, address=f"192.0.2.{round}")
        for _ in range(6):
            response = attacker.login(NURSE, "wrong password!")
            if response.status_code == 429:
                break
        wait = int(response.headers["retry-after"])
        waits.append(wait)
        clock.now += timedelta(seconds=wait)
    assert waits == sorted(waits) and waits[0] == 2 and max(waits) == 60
    # The clinician signs in after at most a minute, however long the guessing went on.
    assert web.login(NURSE, "wrong password!").status_code == 401
    clock.now += timedelta(seconds=60)
    assert web.login(NURSE).status_code == 303


def test_an_admin_unlocks_on_the_users_page_and_with_the_cli(
        web: Web, db_url: str, tmp_path: Path) -> None:
    nurse_id = add_user(web.container, NURSE, "staff")
    add_user(web.container, "admin@example.org", "admin")
    admin = second_browser(web)
    assert admin.login("admin@example.org").status_code == 303
    for _ in range(6):
        web.login(NURSE, "wrong password!")
    assert web.login(NURSE).status_code == 429
    assert "Unlock" in admin.client.get("/admin/users").text
    admin.post(f"/admin/users/{nurse_id}/unlock", {}, token_from="/admin/users")
    assert web.login(NURSE).status_code == 303
    assert ("admin@example.org", "unlock_user", f"user:{nurse_id}") in web.audit()
    assert f"unlocked user {nurse_id}" in text_of(admin.client.get("/admin/audit"))

    web.post("/logout", {})
    for _ in range(6):
        web.login(NURSE, "wrong password!")
    assert web.login(NURSE).status_code == 429
    env = {"AFTERCARE_DATABASE_URL": db_url, "AFTERCARE_VAR_DIR": str(tmp_path / "var")}
    result = CliRunner().invoke(main, ["users", "unlock", " Nurse@Example.org"], env=env)
    assert result.exit_code == 0, result.output
    assert "nurse@example.org can sign in again at once" in result.output
    assert web.login(NURSE).status_code == 303


def test_one_address_guessing_many_accounts_is_slowed(web: Web) -> None:
    statuses = [web.login(f"user{n}@example.org", "wrong password!").status_code
                for n in range(21)]
    assert statuses == [401] * 20 + [429]


def test_a_busy_clinic_behind_one_address_is_not_slowed_by_its_own_sign_ins(web: Web) -> None:
    for n in range(25):
        add_user(web.container, f"nurse{n}@example.org", "staff")
    for n in range(25):
        browser = second_browser(web)
        if n % 5 == 0:
            assert browser.login(f"nurse{n}@example.org", "a typo here").status_code == 401
        assert browser.login(f"nurse{n}@example.org").status_code == 303, n
    assert second_browser(web).login("nurse0@example.org", "typo").status_code == 401


# --- 3. sign-ins wait among themselves ------------------------------------------------


def test_an_api_read_stays_fast_while_many_sign_ins_are_in_flight(web: Web) -> None:
    add_user(web.container, NURSE, "staff")
    token = owned_token(web.container, None)
    attempts = [(f"user{n}@example.org", PASSWORD) for n in range(19)]  # under the limits

    async def scenario() -> tuple[float, int]:
        logins = asyncio.ensure_future(_logins(web.app, attempts))
        await asyncio.sleep(0.2)  # the pool is busy now
        transport = httpx.ASGITransport(app=web.app)
        async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as c:
            started = time.perf_counter()
            read = await c.get("/api/procedures/1",
                               headers={"Authorization": f"Bearer {token}"})
            took = time.perf_counter() - started
        assert read.status_code == 404
        in_flight = 0 if logins.done() else 1
        await logins
        return took, in_flight

    took, in_flight = run_async(scenario)
    assert in_flight == 1, "the sign-ins finished before the read: nothing was shown"
    assert took < 2.0


# --- 4. server-side sessions ----------------------------------------------------------


def test_a_cookie_copied_before_sign_out_is_worth_nothing_after(web: Web) -> None:
    add_user(web.container, NURSE, "staff")
    assert web.login(NURSE).status_code == 303
    stolen = web.client.cookies["aftercare_session"]
    web.post("/logout", {})
    thief = second_browser(web)
    thief.client.cookies.set("aftercare_session", stolen)
    assert thief.client.get("/procedures").status_code == 303
    with web.container.sessions() as session:
        row = session.scalars(select(UserSession)).one()
        assert row.revoked_at is not None and row.user_agent == "testclient"


def test_sign_out_everywhere_from_the_account_page(web: Web) -> None:
    add_user(web.container, NURSE, "staff")
    other = second_browser(web)
    for browser in (web, other):
        assert browser.login(NURSE).status_code == 303
    assert "Sign out everywhere" in web.client.get("/account").text
    signed_out = web.post("/account/sign-out-everywhere", {}, token_from="/account")
    assert signed_out.headers["location"] == "/login"
    for browser in (web, other):
        assert browser.client.get("/procedures").status_code == 303


def test_an_admin_signs_a_user_out_everywhere(web: Web) -> None:
    nurse_id = add_user(web.container, NURSE, "staff")
    add_user(web.container, "admin@example.org", "admin")
    assert web.login(NURSE).status_code == 303
    admin = second_browser(web)
    admin.login("admin@example.org")
    admin.post(f"/admin/users/{nurse_id}/sign-out", {}, token_from="/admin/users")
    assert web.client.get("/procedures").status_code == 303
    assert admin.client.get("/procedures").status_code == 200


def test_a_new_password_ends_the_other_sessions(web: Web) -> None:
    add_user(web.container, NURSE, "staff")
    other = second_browser(web)
    for browser in (web, other):
        assert browser.login(NURSE).status_code == 303
    wrong = web.post("/account/password", {"current": "not it at all", "new": "x" * 12},
                     token_from="/account")
    assert wrong.status_code == 422 and "current password is wrong" in wrong.text
    changed = web.post("/account/password", {"current": PASSWORD,
                                             "new": "a brand new passphrase"},
                       token_from="/account")
    assert changed.status_code == 303
    assert web.client.get("/procedures").status_code == 200  # this one stays
    assert other.client.get("/procedures").status_code == 303
    assert other.login(NURSE, "a brand new passphrase").status_code == 303


def test_disabling_a_user_ends_their_sessions_and_tokens_at_once(web: Web) -> None:
    nurse_id = add_user(web.container, NURSE, "staff")
    add_user(web.container, "admin@example.org", "admin")
    token = owned_token(web.container, nurse_id)
    api = {"Authorization": f"Bearer {token}"}
    assert web.login(NURSE).status_code == 303
    assert web.client.get("/api/procedures/1", headers=api).status_code == 404  # cached now
    admin = second_browser(web)
    admin.login("admin@example.org")
    admin.post(f"/admin/users/{nurse_id}", {"disabled": "yes"}, token_from="/admin/users")
    assert web.client.get("/procedures").status_code == 303
    assert web.client.get("/api/procedures/1", headers=api).status_code == 401
    with web.container.sessions() as session:
        assert session.scalars(select(ApiToken.revoked_at)).one() is not None
        assert session.scalars(select(UserSession.revoked_at).where(
            UserSession.user_id == nurse_id)).one() is not None


# --- 5. tokens with an owner and an expiry --------------------------------------------


def test_a_token_stops_at_its_expiry_even_from_the_cache(web: Web, clock: FrozenClock
                                                         ) -> None:
    nurse_id = add_user(web.container, NURSE, "staff")
    token = owned_token(web.container, nurse_id, lifetime=timedelta(days=1))
    api = {"Authorization": f"Bearer {token}"}
    assert web.client.get("/api/procedures/1", headers=api).status_code == 404
    clock.now += timedelta(days=1)
    assert web.client.get("/api/procedures/1", headers=api).status_code == 401


def test_a_disabled_owner_ends_the_token_whoever_disabled_them(web: Web, clock: FrozenClock
                                                               ) -> None:
    nurse_id = add_user(web.container, NURSE, "staff")
    container = web.container
    container.token_cache = TokenCache(ttl=0)  # every request asks the database
    token = owned_token(container, nurse_id)
    with transaction(container.sessions) as session:
        session.get_one(User, nurse_id).disabled_at = clock.now  # not through the service
    refused = web.client.get("/api/procedures/1", headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 401


def test_tokens_made_on_the_admin_page_belong_to_the_admin_and_expire(
        web: Web, clock: FrozenClock) -> None:
    admin_id = add_user(web.container, "admin@example.org", "admin")
    web.login("admin@example.org")
    web.post("/admin/tokens", {"name": "front-desk", "role": "staff"},
             token_from="/admin/tokens")
    with web.container.sessions() as session:
        token = session.scalars(select(ApiToken)).one()
        assert (token.user_id, token.expires_at) == (admin_id, clock.now + DEFAULT_LIFETIME)
    listed = text_of(web.client.get("/admin/tokens"))
    assert "Expires" in listed and "front-desk staff admin@example.org" in listed


def test_tokens_create_takes_an_owner_and_a_lifetime(db_url: str, tmp_path: Path,
                                                     web: Web) -> None:
    nurse_id = add_user(web.container, NURSE, "staff")
    env = {"AFTERCARE_DATABASE_URL": db_url, "AFTERCARE_VAR_DIR": str(tmp_path / "var")}
    runner = CliRunner()
    made = runner.invoke(main, ["tokens", "create", "--name", "lab", "--role", "staff",
                                "--owner", NURSE, "--days", "7"], env=env)
    assert made.exit_code == 0, made.output
    assert made.output.startswith("act_")
    unknown = runner.invoke(main, ["tokens", "create", "--name", "x", "--role", "staff",
                                   "--owner", "nobody@example.org"], env=env)
    assert unknown.exit_code == 1 and "no active user" in unknown.output
    with web.container.sessions() as session:
        token = session.scalars(select(ApiToken)).one()
        assert token.user_id == nurse_id
        assert token.expires_at - token.created_at == timedelta(days=7)


def test_the_migration_gives_old_tokens_an_owner_and_an_expiry(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0011")
    engine = create_engine(url)
    with engine.begin() as conn:
        for email, role in (("staff@example.org", "staff"), ("boss@example.org", "admin")):
            conn.execute(text(
                "INSERT INTO users (email, name, role, password_hash, created_at,"
                " failed_logins) VALUES (:email, '', :role, 'x', '2026-01-01', 0)"),
                {"email": email, "role": role})
        conn.execute(text("INSERT INTO api_tokens (name, role, token_hash, created_at)"
                          " VALUES ('old', 'staff', 'abc', '2026-01-01')"))
    upgrade(url)
    with engine.connect() as conn:
        owner, expires = conn.execute(text(
            "SELECT u.email, t.expires_at FROM api_tokens t JOIN users u"
            " ON u.id = t.user_id")).one()
        columns = [row[1] for row in conn.execute(text("PRAGMA table_info(users)"))]
    assert owner == "boss@example.org" and expires is not None
    assert "failed_logins" not in columns
    engine.dispose()


# --- 6. no-store ----------------------------------------------------------------------


def test_every_response_but_the_static_files_is_no_store(web: Web) -> None:
    add_user(web.container, NURSE, "staff")
    web.login(NURSE)
    for path in ("/procedures", "/login", "/account", "/api/procedures/1", "/readyz",
                 "/no-such-page"):
        assert web.client.get(path).headers["cache-control"] == "no-store", path
    assert "no-store" not in web.client.get("/static/app.css").headers.get("cache-control", "")


# --- 7. metrics and docs --------------------------------------------------------------


def test_metrics_need_the_token_when_one_is_set(
        make_container: Callable[..., Container], db_url: str) -> None:
    web = make_web(make_container, db_url, settings={"metrics_token": "scrape-me-please"})
    assert web.client.get("/metrics").status_code == 401
    wrong = web.client.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    right = web.client.get("/metrics", headers={"Authorization": "Bearer scrape-me-please"})
    assert right.status_code == 200 and "aftercare" in right.text


def test_open_metrics_and_docs_outside_production(web: Web) -> None:
    for path in ("/metrics", "/docs", "/openapi.json"):
        assert web.client.get(path).status_code == 200, path


PRODUCTION = {"environment": "production", "secret_key": "a-real-secret-for-the-test-only",
              "patient_phone_enabled": False, "oncall_phone": "+15550100001"}


def test_production_hides_metrics_and_shows_docs_only_to_staff(
        make_container: Callable[..., Container], pg_db: str) -> None:
    web = make_web(make_container, pg_db, settings=PRODUCTION)
    assert web.client.get("/metrics").status_code == 404
    for path in ("/docs", "/openapi.json", "/redoc"):
        assert web.client.get(path).status_code in (303, 404), path
    add_user(web.container, NURSE, "staff")
    web.login(NURSE)
    assert web.client.get("/openapi.json").json()["info"]["title"] == "aftercare"
    assert "swagger" in web.client.get("/docs").text.lower()
    scraper = make_web(make_container, pg_db,
                       settings={**PRODUCTION, "metrics_token": "scrape-me-please"})
    assert scraper.client.get("/metrics", headers={
        "Authorization": "Bearer scrape-me-please"}).status_code == 200


# --- housekeeping ---------------------------------------------------------------------


def test_old_sessions_and_quiet_throttles_are_forgotten_hourly(
        web: Web, clock: FrozenClock) -> None:
    add_user(web.container, NURSE, "staff")
    web.login(NURSE)
    second_browser(web).login("nobody@example.org", "wrong password!")
    forget = forget_stale_sign_ins
    assert forget(factory=web.container.sessions, now=clock.now) == {
        "sessions": 0, "throttles": 0}
    later = clock.now + timedelta(days=31)
    assert forget(factory=web.container.sessions, now=later) == {
        "sessions": 1, "throttles": 2}  # the unknown email's and the address's
    settings = web.container.settings
    assert "forget-stale-sign-ins" in celery_app(settings).conf.beat_schedule
