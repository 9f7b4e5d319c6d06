"""Two-step sign-in and password reset, on SQLite and PostgreSQL: where the setting asks for
it, a clinician enrols a TOTP app before anything else; then every sign-in needs a code
(never the same one twice) or a recovery code (each once); staff are not asked; an admin
resets a lost phone; a one-time link sets a new password and works once."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pyotp
from fastapi.testclient import TestClient
from sqlalchemy import select

from aftercare.auth.reset import reset_link
from aftercare.container import Container
from aftercare.db.models import AuditEvent, User
from tests.conftest import FrozenClock
from tests.integration.test_web_support import PASSWORD, Web, add_user, make_web, text_of

NOW = datetime(2026, 12, 5, 15, 0, tzinfo=UTC)
KEY = re.compile(r'<code id="totp-key">([A-Z2-7]+)</code>')


def web_for(make_container: Callable[..., Container], db_url: str) -> Web:
    return make_web(make_container, db_url, clock=FrozenClock(NOW),
                    settings={"two_factor_required": True})


def another_browser(web: Web) -> Web:
    """A second browser on the same server: its own cookies."""
    return Web(client=TestClient(web.app, base_url="https://testserver",
                                 follow_redirects=False),
               container=web.container, app=web.app)


def code_form(web: Web, code: str, next_url: str = "/procedures") -> object:
    return web.post("/login/code", {"code": code, "next": next_url},
                    token_from="/login/code")


def enrol(web: Web) -> tuple[str, list[str]]:
    page = web.client.get("/account/two-factor")
    assert page.status_code == 200 and 'alt="QR code' in page.text
    found = KEY.search(page.text)
    assert found, page.text
    secret = found.group(1)
    wrong = web.post("/account/two-factor", {"code": "000000"},
                     token_from="/account/two-factor")
    assert wrong.status_code == 422
    done = web.post("/account/two-factor", {"code": pyotp.TOTP(secret).at(NOW)},
                    token_from="/account/two-factor")
    assert done.status_code == 200 and "shown this once" in done.text
    codes = re.findall(r"<li><code>([0-9a-f]{6}-[0-9a-f]{6})</code></li>", done.text)
    assert len(codes) == 10
    return secret, codes


def test_a_clinician_enrols_then_signs_in_with_a_code(
        make_container: Callable[..., Container], db_url: str) -> None:
    web = web_for(make_container, db_url)
    add_user(web.container, "doc@example.org", "clinician")
    assert web.login("doc@example.org").status_code == 303
    for path in ("/procedures", "/review", "/account"):  # nothing before the second factor
        response = web.client.get(path)
        assert (response.status_code, response.headers["location"]) == (
            303, "/account/two-factor"), path
    secret, codes = enrol(web)
    assert web.client.get("/procedures").status_code == 200

    web.client.post("/logout", data={"csrf_token": web.csrf("/procedures")})
    web.client.cookies.clear()
    asked = web.login("doc@example.org")
    assert asked.status_code == 303 and asked.headers["location"].startswith("/login/code")
    assert web.client.get("/procedures").status_code == 303  # not signed in yet
    assert code_form(web, "123456").status_code == 401  # type: ignore[attr-defined]
    clock = web.container.clock
    assert isinstance(clock, FrozenClock)
    clock.now = NOW + timedelta(seconds=30)
    fresh = pyotp.TOTP(secret).at(clock.now)
    signed_in = code_form(web, fresh)
    assert signed_in.status_code == 303  # type: ignore[attr-defined]
    assert web.client.get("/review").status_code == 200

    # The same code again, on another browser: refused (seen over a shoulder).
    other = another_browser(web)
    assert other.login("doc@example.org").status_code == 303
    assert code_form(other, fresh).status_code == 401  # type: ignore[attr-defined]
    # A recovery code works once.
    assert code_form(other, codes[0].upper()).status_code == 303  # type: ignore[attr-defined]
    other.client.cookies.clear()
    assert other.login("doc@example.org").status_code == 303
    assert code_form(other, codes[0]).status_code == 401  # type: ignore[attr-defined]
    with web.container.sessions() as session:
        logins = [e.detail for e in session.scalars(select(AuditEvent).where(
            AuditEvent.action == "login"))]
    assert {"second_factor": "totp"} in logins and {"second_factor": "recovery code"} in logins


def test_staff_are_not_asked_and_the_code_page_needs_a_password_first(
        make_container: Callable[..., Container], db_url: str) -> None:
    web = web_for(make_container, db_url)
    add_user(web.container, "desk@example.org", "staff")
    fresh = web.client.get("/login/code")
    assert (fresh.status_code, fresh.headers["location"]) == (303, "/login")
    assert web.login("desk@example.org").status_code == 303
    assert web.client.get("/procedures").status_code == 200


def test_an_admin_resets_a_lost_phone_and_a_forgotten_password(
        make_container: Callable[..., Container], db_url: str) -> None:
    web = web_for(make_container, db_url)
    add_user(web.container, "doc@example.org", "clinician")
    assert web.login("doc@example.org").status_code == 303
    enrol(web)
    add_user(web.container, "boss@example.org", "admin")
    admin = another_browser(web)
    assert admin.login("boss@example.org").status_code == 303
    assert admin.client.get("/procedures").status_code == 303  # the admin enrols first too
    enrol(admin)
    with web.container.sessions() as session:
        doc = session.scalars(select(User).where(User.email == "doc@example.org")).one()
    reset = admin.post(f"/admin/users/{doc.id}/two-factor/reset", {},
                       token_from="/admin/users")
    assert reset.status_code == 303
    assert web.client.get("/procedures").status_code == 303  # their sessions ended
    made = admin.post(f"/admin/users/{doc.id}/reset-password", {}, token_from="/admin/users")
    assert made.status_code == 303
    link = re.search(r"https://\S+/reset/[\w.-]+", text_of(admin.client.get("/admin/users")))
    assert link, "the link is shown once to the admin"
    path = link.group(0).split("clinic.example.org", 1)[1]

    stranger = another_browser(web)
    assert stranger.client.get(path).status_code == 200
    short = stranger.post(path, {"new": "short"}, token_from=path)
    assert short.status_code == 422
    done = stranger.post(path, {"new": "a whole new passphrase"}, token_from=path)
    assert (done.status_code, done.headers["location"]) == (303, "/login")
    assert stranger.client.get(path).status_code == 404  # once
    assert stranger.login("doc@example.org", PASSWORD).status_code == 401
    assert stranger.login("doc@example.org", "a whole new passphrase").status_code == 303
    with web.container.sessions() as session:
        doc = session.get_one(User, doc.id)
        forged = reset_link(doc, secret_key="another key", base_url="https://x")
    assert stranger.client.get("/reset/" + forged.rsplit("/", 1)[1]).status_code == 404
