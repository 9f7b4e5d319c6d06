"""Probes, metrics and the API's own protections, on the embedded default (SQLite)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from aftercare.bootstrap import create_app
from aftercare.container import Container
from aftercare.db.session import transaction
from tests.conftest import REDIS_URL
from tests.support.factories import add_due_messages


@pytest.fixture
def container(sqlite_url: str, make_container: Callable[..., Container]) -> Container:
    return make_container(sqlite_url)


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container)) as api:
        yield api


def test_healthz_and_readyz_when_all_is_well(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "checks": {
        "database": "ok", "broker": "ok", "migrations": "ok"}}


def test_readyz_names_a_database_behind_on_migrations(container: Container,
                                                      client: TestClient) -> None:
    with container.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0000_older'"))
    ready = client.get("/readyz")
    assert ready.status_code == 503
    body = ready.json()
    assert body["status"] == "not ready"
    assert "aftercare db upgrade" in body["checks"]["migrations"]
    assert body["checks"]["database"] == "ok"


@pytest.mark.redis
def test_readyz_names_an_unreachable_broker(sqlite_url: str,
                                            make_container: Callable[..., Container]) -> None:
    down = make_container(sqlite_url, settings={"broker_url": "redis://127.0.0.1:1/0"})
    with TestClient(create_app(down)) as api:
        ready = api.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"]["broker"].startswith("cannot reach the Celery broker")
    up = make_container(sqlite_url, settings={"broker_url": f"{REDIS_URL}/3"})
    with TestClient(create_app(up)) as api:
        assert api.get("/readyz").status_code == 200


def test_metrics_from_the_outbox_at_scrape_time(container: Container,
                                                client: TestClient) -> None:
    now = container.clock()
    add_due_messages(container.sessions, count=3, due_at=now - timedelta(minutes=5))
    add_due_messages(container.sessions, count=2, due_at=now + timedelta(days=1),
                     channel="email")
    with transaction(container.sessions) as session:
        session.execute(text("UPDATE messages SET status = 'sent', sent_at = :t "
                             "WHERE id = (SELECT min(id) FROM messages)"), {"t": now})
    body = client.get("/metrics").text
    assert 'aftercare_messages{channel="sms",status="planned"} 2.0' in body
    assert 'aftercare_messages{channel="sms",status="sent"} 1.0' in body
    assert 'aftercare_messages{channel="email",status="planned"} 2.0' in body
    assert 'aftercare_due_messages{channel="sms"} 2.0' in body  # the email is not due yet
    # Sent five minutes after it was due.
    assert 'aftercare_recent_send_lateness_seconds_bucket{channel="sms",le="60.0"} 0.0' in body
    assert 'aftercare_recent_send_lateness_seconds_bucket{channel="sms",le="300.0"} 1.0' in body
    assert "aftercare_webhook_seconds" in body and "aftercare_sends_total" in body


def test_request_id_and_security_headers_on_api_responses(client: TestClient) -> None:
    given = client.get("/healthz", headers={"X-Request-ID": "lb-1234"})
    assert given.headers["X-Request-ID"] == "lb-1234"
    made = client.get("/api/procedures/1")  # 401: still carries the headers
    assert made.status_code == 401
    assert len(made.headers["X-Request-ID"]) == 32
    assert made.headers["X-Content-Type-Options"] == "nosniff"
    assert made.headers["X-Frame-Options"] == "DENY"
    assert made.headers["Cache-Control"] == "no-store"
    # The web app adds the same headers on pages; each must appear once.
    for name in ("x-content-type-options", "x-frame-options", "referrer-policy"):
        assert len(made.headers.get_list(name)) == 1
    odd = client.get("/healthz", headers={"X-Request-ID": "x" * 200 + "\n"})
    assert odd.headers["X-Request-ID"] != "x" * 200


def test_body_size_limit_declared_and_chunked(container: Container, client: TestClient) -> None:
    limit = container.settings.max_body_bytes
    declared = client.post("/api/procedures", content=b"x" * (limit + 1),
                           headers={"Content-Type": "application/json"})
    assert declared.status_code == 413

    def chunks() -> Iterator[bytes]:  # no Content-Length: Transfer-Encoding: chunked
        for _ in range(limit // 1024 + 2):
            yield b"x" * 1024

    chunked = client.post("/api/procedures", content=chunks(),
                          headers={"Content-Type": "application/json"})
    assert chunked.status_code == 413
    assert chunked.json() == {"detail": f"request body over {limit} bytes"}
    assert "X-Request-ID" in chunked.headers
