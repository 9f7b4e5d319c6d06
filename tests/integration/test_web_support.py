"""Helpers for the web app's TestClient tests (no tests here): an app around a container,
users, and a client that signs in and carries the CSRF token like a browser would."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient

from aftercare.auth.users import create_user
from aftercare.bootstrap import create_app
from aftercare.container import Container
from aftercare.db.models import AuditEvent
from aftercare.db.session import transaction

PASSWORD = "correct horse battery"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Web:
    client: TestClient
    container: Container
    app: FastAPI

    def csrf(self, path: str = "/login") -> str:
        page = self.client.get(path)
        found = TOKEN.search(page.text)
        assert found, f"no CSRF token on {path}: {page.status_code}"
        # Every form on the page carries the same, non-empty token.
        assert set(TOKEN.findall(page.text)) == {found.group(1)}, path
        assert 'name="csrf_token" value=""' not in page.text, path
        return found.group(1)

    def login(self, email: str, password: str = PASSWORD) -> httpx.Response:
        token = self.csrf("/login")
        return self.client.post("/login", data={"email": email, "password": password,
                                                "csrf_token": token})

    def post(self, path: str, data: dict[str, Any], *, token_from: str = "/plans"
             ) -> httpx.Response:
        return self.client.post(path, data={**data, "csrf_token": self.csrf(token_from)})

    def audit(self) -> list[tuple[str, str, str]]:
        with self.container.sessions() as session:
            return [(e.actor, e.action, e.subject)
                    for e in session.query(AuditEvent).order_by(AuditEvent.id)]


def add_user(container: Container, email: str, role: str, *, name: str = "") -> int:
    with transaction(container.sessions) as session:
        return create_user(session, email=email, role=role, password=PASSWORD, name=name).id


def make_web(make_container: Callable[..., Container], db_url: str, **kwargs: Any) -> Web:
    container = make_container(db_url, **kwargs)
    # The settings' public URL is https, so the session cookie is Secure: talk https.
    app = create_app(container)
    client = TestClient(app, base_url="https://testserver", follow_redirects=False)
    return Web(client=client, container=container, app=app)


def signed_in_staff(make_container: Callable[..., Container], db_url: str, **kwargs: Any
                    ) -> Web:
    """The front desk's browser: a staff user, signed in."""
    web = make_web(make_container, db_url, **kwargs)
    add_user(web.container, "nurse@example.org", "staff", name="Nurse Joy")
    assert web.login("nurse@example.org").status_code == 303
    return web


def text_of(response: httpx.Response) -> str:
    """The page's text without tags, whitespace collapsed: what a person reads."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.text))
