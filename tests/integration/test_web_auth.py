"""Web app accounts: sign-in, sign-out, throttling, session expiry, CSRF, roles, headers, audit.
Each test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.routing import APIRoute
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from aftercare.cli import main
from aftercare.container import Container
from aftercare.db.models import ApiToken, LoginThrottle, Procedure, Review, User
from aftercare.web.routes import (
    admin,
    auth,
    careplans,
    log_procedure,
    phone,
    procedures,
    review,
)
from tests.conftest import FrozenClock
from tests.integration.test_web_support import PASSWORD, Web, add_user, make_web, text_of

PAGES = ["/procedures", "/procedures/new", "/procedures/1", "/review", "/review/queue",
         "/review/1", "/plans", "/phone", "/phone/1", "/phone/1/thread", "/admin/users",
         "/admin/tokens", "/admin/audit", "/procedures?q=maria&page=2"]


@pytest.fixture
def web(make_container: Callable[..., Container], db_url: str, clock: FrozenClock) -> Web:
    return make_web(make_container, db_url, clock=clock)


def test_every_page_redirects_to_login_when_signed_out(web: Web) -> None:
    for path in PAGES:
        response = web.client.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login?next=" + path.split("?")[0])
    assert web.client.get("/").headers["location"] == "/login"
    assert web.client.get("/login").status_code == 200


def test_sign_in_goes_back_to_the_page_asked_for_and_sign_out_ends_it(web: Web) -> None:
    add_user(web.container, "nurse@example.org", "staff", name="Nurse Joy")
    token = web.csrf("/login")
    response = web.client.post("/login", data={
        "email": "Nurse@Example.org ", "password": PASSWORD, "csrf_token": token,
        "next": "/plans"})
    assert (response.status_code, response.headers["location"]) == (303, "/plans")
    page = web.client.get("/plans")
    assert page.status_code == 200 and "Nurse Joy" in page.text
    assert web.post("/logout", {}).headers["location"] == "/login"
    assert web.client.get("/plans").status_code == 303
    actions = [a for _, a, _ in web.audit()]
    assert actions == ["login", "logout"]


def test_next_never_leaves_the_site(web: Web) -> None:
    add_user(web.container, "nurse@example.org", "staff")
    for evil in ("//evil.example", "https://evil.example/x", "/\\evil.example"):
        token = web.csrf("/login")
        response = web.client.post("/login", data={
            "email": "nurse@example.org", "password": PASSWORD, "csrf_token": token,
            "next": evil})
        assert response.headers["location"] == "/procedures", evil
        web.post("/logout", {})


def test_wrong_passwords_slow_the_account_down_without_locking_it(
        web: Web, clock: FrozenClock) -> None:
    add_user(web.container, "nurse@example.org", "staff")
    for attempt in range(5):
        response = web.login("nurse@example.org", "wrong password!")
        assert response.status_code == 401, attempt
        assert "Wrong email or password" in response.text
    # Not even checked until the wait is over, the right password included.
    slowed = web.login("nurse@example.org")
    assert slowed.status_code == 429 and "Too many attempts" in slowed.text
    assert slowed.headers["retry-after"] == "2"
    clock.now += timedelta(seconds=2)
    assert web.login("nurse@example.org").status_code == 303
    with web.container.sessions() as session:
        assert session.scalar(select(func.count()).select_from(LoginThrottle)) == 1  # address
    failed = [a for _, a, _ in web.audit() if a == "login_failed"]
    assert len(failed) == 6


def test_unknown_email_is_told_the_same_as_a_wrong_password(web: Web) -> None:
    response = web.login("nobody@example.org")
    assert response.status_code == 401 and "Wrong email or password" in response.text


def test_a_disabled_user_cannot_sign_in_and_is_signed_out(web: Web, clock: FrozenClock) -> None:
    user_id = add_user(web.container, "nurse@example.org", "staff")
    assert web.login("nurse@example.org").status_code == 303
    with web.container.sessions() as session, session.begin():
        session.get_one(User, user_id).disabled_at = clock.now
    assert web.client.get("/procedures").status_code == 303
    assert "disabled" in web.login("nurse@example.org").text


def test_the_session_expires(web: Web, clock: FrozenClock) -> None:
    add_user(web.container, "nurse@example.org", "staff")
    web.login("nurse@example.org")
    assert web.client.get("/procedures").status_code == 200
    clock.now += timedelta(minutes=web.container.settings.session_max_age_minutes + 1)
    assert web.client.get("/procedures").status_code == 303


def test_the_cookie_is_signed_http_only_lax_and_secure_behind_https(web: Web) -> None:
    add_user(web.container, "nurse@example.org", "staff")
    cookie = web.login("nurse@example.org").headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" in cookie
    assert f"max-age={web.container.settings.session_max_age_minutes * 60}" in cookie
    # A cookie that was tampered with is no session at all.
    value = web.client.cookies["aftercare_session"]
    web.client.cookies.clear()
    web.client.cookies.set("aftercare_session", value[:-4] + ("AAAA" if value[-4:] != "AAAA"
                                                              else "BBBB"))
    assert web.client.get("/procedures").status_code == 303


def _web_posts() -> list[str]:
    """Every POST the web app's routers declare, path parameters filled with 1."""
    paths = []
    for module in (admin, auth, careplans, log_procedure, phone, procedures, review):
        for route in module.router.routes:
            if isinstance(route, APIRoute) and "POST" in route.methods:
                paths.append(re.sub(r"\{[a-z_]+(:int)?\}", "1", route.path))
    return paths


def test_every_form_post_without_the_csrf_token_is_refused(web: Web) -> None:
    add_user(web.container, "admin@example.org", "admin")
    web.login("admin@example.org")
    posts = _web_posts()
    assert {"/login", "/logout", "/procedures/new", "/review/1", "/phone/1",
            "/admin/users", "/admin/tokens"} <= set(posts)
    before = _counts(web)
    for path in posts:
        for token in (None, "wrong-token"):
            data = {"email": "x@example.org", "role": "admin", "password": PASSWORD * 2,
                    "name": "x", "outcome": "no_action_needed", "body": "hi"}
            if token:
                data["csrf_token"] = token
            response = web.client.post(path, data=data)
            assert response.status_code == 403, path
            assert "Form refused" in response.text, path
    assert _counts(web) == before
    assert web.client.get("/procedures").status_code == 200  # still signed in


def test_a_json_post_cannot_skip_the_token_either(web: Web) -> None:
    add_user(web.container, "admin@example.org", "admin")
    web.login("admin@example.org")
    response = web.client.post("/admin/tokens", json={"name": "x", "role": "admin"})
    assert response.status_code == 403


def _counts(web: Web) -> tuple[int, ...]:
    with web.container.sessions() as session:
        return tuple(session.scalar(select(func.count()).select_from(model)) or 0
                     for model in (User, ApiToken, Procedure, Review))


def test_roles_see_only_what_they_need(web: Web) -> None:
    add_user(web.container, "staff@example.org", "staff")
    web.login("staff@example.org")
    for path in ("/procedures", "/procedures/new", "/plans", "/phone"):
        assert web.client.get(path).status_code == 200, path
    for path in ("/review", "/review/queue", "/review/1", "/admin/users", "/admin/tokens",
                 "/admin/audit"):
        response = web.client.get(path)
        assert response.status_code == 403, path
        assert "needs the" in response.text
    refused = web.post("/review/1", {"outcome": "no_action_needed", "note": ""})
    assert refused.status_code == 403 and "clinician" in refused.text
    nav = web.client.get("/procedures").text
    assert 'href="/review"' not in nav and 'href="/admin/users"' not in nav


def test_clinicians_review_but_do_not_administer(web: Web) -> None:
    add_user(web.container, "doc@example.org", "clinician")
    web.login("doc@example.org")
    assert web.client.get("/review").status_code == 200
    assert web.client.get("/admin/users").status_code == 403


def test_admins_manage_users_and_tokens_and_read_the_audit_log(web: Web) -> None:
    add_user(web.container, "admin@example.org", "admin")
    web.login("admin@example.org")
    created = web.post("/admin/users", {"email": "new@example.org", "name": "New Nurse",
                                        "role": "staff", "password": PASSWORD},
                       token_from="/admin/users")
    assert created.status_code == 303
    weak = web.post("/admin/users", {"email": "weak@example.org", "role": "staff",
                                     "password": "short"}, token_from="/admin/users")
    assert weak.status_code == 422 and "at least 10" in weak.text
    with web.container.sessions() as session:
        new_id = session.scalars(select(User.id).where(User.email == "new@example.org")).one()
    web.post(f"/admin/users/{new_id}", {"role": "clinician"}, token_from="/admin/users")
    last_admin = web.post("/admin/users/1", {"role": "staff"}, token_from="/admin/users")
    assert last_admin.status_code == 303
    assert "last admin" in web.client.get("/admin/users").text
    page = web.post("/admin/tokens", {"name": "front-desk", "role": "staff"},
                    token_from="/admin/tokens")
    token = page.text.split('id="new-token">')[1].split("<")[0]
    assert token.startswith("act_")
    assert token not in web.client.get("/admin/tokens").text  # shown once only
    api = web.client.get("/api/procedures/1", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 404  # the token works (and there is no procedure 1)
    with web.container.sessions() as session:
        token_id = session.scalars(select(ApiToken.id)).one()
    web.post(f"/admin/tokens/{token_id}/revoke", {}, token_from="/admin/tokens")
    api = web.client.get("/api/procedures/1", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 401
    audit = text_of(web.client.get("/admin/audit"))
    for action in ("added user", "change role", "created API token", "revoked API token",
                   "signed in"):
        assert action in audit, action
    filtered = text_of(web.client.get("/admin/audit?action=create_token"))
    assert "created API token token front-desk" in filtered and " 1 event " in filtered


def test_pages_carry_security_headers(web: Web) -> None:
    for path in ("/login", "/procedures", "/static/app.css"):
        headers = web.client.get(path).headers
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "same-origin"
        csp = headers["content-security-policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp
        assert "unsafe-inline" not in csp
    assert "content-security-policy" not in web.client.get("/docs").headers


def test_the_patient_phone_is_404_when_switched_off(
        make_container: Callable[..., Container], db_url: str) -> None:
    web = make_web(make_container, db_url, settings={"patient_phone_enabled": False})
    add_user(web.container, "admin@example.org", "admin")
    web.login("admin@example.org")
    assert web.client.get("/phone").status_code == 404
    assert web.client.get("/phone/1").status_code == 404
    assert 'href="/phone"' not in web.client.get("/procedures").text


def test_users_create_prompts_for_the_password_twice_hidden(db_url: str, tmp_path: Path
                                                            ) -> None:
    env = {"AFTERCARE_DATABASE_URL": db_url, "AFTERCARE_VAR_DIR": str(tmp_path / "var")}
    runner = CliRunner()
    args = ["users", "create", "--email", "Doc@Example.org", "--role", "clinician",
            "--name", "Dr. Okafor"]
    mismatch = runner.invoke(main, args, input=f"{PASSWORD}\nsomething else\n"
                             f"{PASSWORD}\n{PASSWORD}\n", env=env)
    assert mismatch.exit_code == 0, mismatch.output
    assert "do not match" in mismatch.output
    assert PASSWORD not in mismatch.output  # hidden input is not echoed
    assert "created clinician doc@example.org" in mismatch.output
    again = runner.invoke(main, args, input=f"{PASSWORD}\n{PASSWORD}\n", env=env)
    assert again.exit_code == 1 and "already exists" in again.output
    weak = runner.invoke(main, [*args[:3], "x@example.org", *args[4:]],
                         input="short\nshort\n", env=env)
    assert weak.exit_code == 1 and "at least 10" in weak.output
    engine = create_engine(db_url)
    with Session(engine) as session:
        user = session.scalars(select(User)).one()
        assert (user.email, user.role, user.name) == ("doc@example.org", "clinician",
                                                      "Dr. Okafor")
        assert user.password_hash.startswith("$argon2id$")
    engine.dispose()
