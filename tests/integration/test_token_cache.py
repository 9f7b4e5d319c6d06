"""API tokens checked against the database at most every `token_cache_seconds` per process,
on SQLite and PostgreSQL: a token revoked on the admin page is refused at once by this
process; one revoked elsewhere (another process, the database) once the time has passed."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select, update

from aftercare.auth.tokens import TokenCache, create_token
from aftercare.bootstrap import create_app
from aftercare.container import Container
from aftercare.db.models import ApiToken
from aftercare.db.session import transaction
from tests.conftest import FrozenClock
from tests.integration.test_web_support import add_user, make_web

# Any API route will do: the token is checked before the 404.
ROUTE = "/api/procedures/999"


def new_token(container: Container, role: str = "staff") -> str:
    with transaction(container.sessions) as session:
        return create_token(session, name="front desk", role=role)  # type: ignore[arg-type]


def revoke_in_the_database(container: Container) -> None:
    """As another API process (or `aftercare tokens revoke`) would: this one is not told."""
    with transaction(container.sessions) as session:
        session.execute(update(ApiToken).values(revoked_at=container.clock()))


class Ticks:
    """A monotonic clock for the token cache that moves only when told."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@contextmanager
def counting_token_checks(container: Container) -> Iterator[list[str]]:
    checks: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.startswith("SELECT") and "FROM api_tokens" in statement:
            checks.append(statement)

    event.listen(container.engine, "before_cursor_execute", count)
    try:
        yield checks
    finally:
        event.remove(container.engine, "before_cursor_execute", count)


@pytest.fixture
def ticks() -> Ticks:
    return Ticks()


@pytest.fixture
def container(db_url: str, make_container: Callable[..., Container], clock: FrozenClock,
              ticks: Ticks) -> Container:
    container = make_container(db_url, clock=clock)
    container.token_cache = TokenCache(ttl=container.settings.token_cache_seconds, clock=ticks)
    return container


def api(container: Container, token: str) -> TestClient:
    client = TestClient(create_app(container))
    client.headers["Authorization"] = f"Bearer {token}"
    return client


def test_the_database_is_asked_at_most_once_per_ttl(container: Container, ticks: Ticks
                                                    ) -> None:
    assert container.settings.token_cache_seconds == 10  # the default
    client = api(container, new_token(container))
    with counting_token_checks(container) as checks:
        for _ in range(3):
            assert client.get(ROUTE).status_code == 404
        assert len(checks) == 1
        ticks.now += 10.001
        assert client.get(ROUTE).status_code == 404
        assert len(checks) == 2


def test_a_token_revoked_elsewhere_works_until_the_ttl_passes(container: Container,
                                                             ticks: Ticks) -> None:
    client = api(container, new_token(container))
    assert client.get(ROUTE).status_code == 404
    revoke_in_the_database(container)
    ticks.now += 9.9
    assert client.get(ROUTE).status_code == 404  # trusted from the cache
    ticks.now += 0.2
    refused = client.get(ROUTE)
    assert refused.status_code == 401
    assert refused.json()["detail"] == "invalid or revoked token"


def test_the_ttl_comes_from_the_settings(db_url: str, make_container: Callable[..., Container]
                                         ) -> None:
    container = make_container(db_url, settings={"token_cache_seconds": 0.2})
    client = api(container, new_token(container))
    assert client.get(ROUTE).status_code == 404
    revoke_in_the_database(container)
    assert client.get(ROUTE).status_code == 404
    time.sleep(0.25)
    assert client.get(ROUTE).status_code == 401


def test_without_a_cache_every_request_asks_the_database(
        db_url: str, make_container: Callable[..., Container]) -> None:
    container = make_container(db_url, settings={"token_cache_seconds": 0})
    client = api(container, new_token(container))
    with counting_token_checks(container) as checks:
        for _ in range(3):
            assert client.get(ROUTE).status_code == 404
        assert len(checks) == 3
    revoke_in_the_database(container)
    assert client.get(ROUTE).status_code == 401


def test_a_database_check_records_the_tokens_use(container: Container, clock: FrozenClock
                                                 ) -> None:
    client = api(container, new_token(container))
    assert client.get(ROUTE).status_code == 404
    with container.sessions() as session:
        assert session.scalars(select(ApiToken.last_used_at)).one() == clock.now


def test_a_cached_token_still_needs_the_role(container: Container) -> None:
    client = api(container, new_token(container, role="staff"))
    with counting_token_checks(container) as checks:
        assert client.get(ROUTE).status_code == 404
        assert client.get("/api/reviews").status_code == 403  # a clinician's route
        assert client.get("/api/reviews").status_code == 403
        assert len(checks) == 1


def test_revoking_on_the_admin_page_refuses_the_token_at_once(
        db_url: str, make_container: Callable[..., Container], clock: FrozenClock,
        ticks: Ticks) -> None:
    web = make_web(make_container, db_url, clock=clock,
                   settings={"token_cache_seconds": 300})
    web.container.token_cache = TokenCache(ttl=300, clock=ticks)  # time stands still
    add_user(web.container, "admin@example.org", "admin")
    web.login("admin@example.org")
    token = new_token(web.container)
    bearer = {"Authorization": f"Bearer {token}"}
    assert web.client.get(ROUTE, headers=bearer).status_code == 404
    with web.container.sessions() as session:
        token_id = session.scalars(select(ApiToken.id)).one()
    revoked = web.post(f"/admin/tokens/{token_id}/revoke", {}, token_from="/admin/tokens")
    assert revoked.status_code == 303
    assert web.client.get(ROUTE, headers=bearer).status_code == 401


class RacingCache(TokenCache):
    """Between forgetting and the admin page's commit, another request of this process
    checks the token (as a concurrent request would, on another thread)."""

    def __init__(self, ttl: float, clock: Callable[[], float], app: Any, secret: str) -> None:
        super().__init__(ttl=ttl, clock=clock)
        self.app, self.secret = app, secret
        self.answers: list[int] = []

    def forget_all(self) -> None:
        super().forget_all()
        client = TestClient(self.app, base_url="https://testserver")
        other = threading.Thread(target=lambda: self.answers.append(
            client.get(ROUTE, headers={"Authorization": f"Bearer {self.secret}"}).status_code))
        other.start()
        other.join(timeout=30)


def test_a_request_during_the_revoke_does_not_keep_the_token_alive(
        db_url: str, make_container: Callable[..., Container], clock: FrozenClock,
        ticks: Ticks) -> None:
    web = make_web(make_container, db_url, clock=clock)
    add_user(web.container, "admin@example.org", "admin")
    web.login("admin@example.org")
    token = new_token(web.container)
    racing = RacingCache(ttl=300, clock=ticks, app=web.app, secret=token)
    web.container.token_cache = racing
    bearer = {"Authorization": f"Bearer {token}"}
    assert web.client.get(ROUTE, headers=bearer).status_code == 404
    with web.container.sessions() as session:
        token_id = session.scalars(select(ApiToken.id)).one()
    web.post(f"/admin/tokens/{token_id}/revoke", {}, token_from="/admin/tokens")
    assert len(racing.answers) == 1
    assert web.client.get(ROUTE, headers=bearer).status_code == 401
