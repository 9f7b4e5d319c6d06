"""The core loop with real parts: PostgreSQL, Redis, a Celery worker, Prism for Twilio, SMTP.

A procedure logged through the HTTP API is planned by the worker; the beat task's dispatch
sends the due SMS through the official Twilio client to Prism (which validates each request
against Twilio's OpenAPI spec) and the email to a real SMTP server.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient

from aftercare.auth.tokens import create_token
from aftercare.bootstrap import build, create_app
from aftercare.container import Container
from aftercare.db.session import transaction
from tests.conftest import REDIS_URL, make_settings
from tests.faults.harness import REDIS_DB, cluster
from tests.support.factories import daytime_zone, patient_payload, procedure_payload
from tests.support.smtp import SmtpServer

pytestmark = [pytest.mark.prism]


@pytest.fixture
def live(pg_db: str, prism_url: str, smtp_server: SmtpServer, tmp_path: Path
         ) -> Iterator[Container]:
    """Worker and beat as real processes (`aftercare worker`, `aftercare beat`); this test
    talks to them like the API does, through Redis."""
    env = {"AFTERCARE_EMAIL_CHANNEL": "smtp", "AFTERCARE_SMTP_HOST": smtp_server.host,
           "AFTERCARE_SMTP_PORT": str(smtp_server.port),
           "AFTERCARE_EMAIL_FROM": "care@riverside.example.org"}
    with cluster(tmp_path, pg_db, SimpleNamespace(url=prism_url), **env) as running:  # type: ignore[arg-type]
        settings = make_settings(tmp_path, pg_db, broker_url=f"{REDIS_URL}/{REDIS_DB}",
                                 celery_queue=running.queue)
        container = build(settings)
        running.worker("worker", concurrency=2)
        running.beat("beat")
        yield container
        container.engine.dispose()


def wait_for(check: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError("timed out waiting")


def test_log_plan_dispatch_end_to_end(live: Container, smtp_server: SmtpServer) -> None:
    with transaction(live.sessions) as session:
        token = create_token(session, name="front desk", role="staff")
    now = datetime.now(UTC)
    zone = daytime_zone(now)
    payload = procedure_payload(
        now - timedelta(minutes=30),
        patient=patient_payload(first_name="Rosa", timezone=zone,
                                email="rosa@example.org"))
    with TestClient(create_app(live)) as api:
        api.headers["Authorization"] = f"Bearer {token}"
        created = api.post("/api/procedures", json=payload)
        assert created.status_code == 201, created.text
        procedure_id = created.json()["id"]

        def show() -> dict:  # type: ignore[type-arg]
            return api.get(f"/api/procedures/{procedure_id}").json()  # type: ignore[no-any-return]

        wait_for(lambda: show()["planned"])  # the worker ran the planning task
        # Beat's next dispatch tick sends what is due.
        wait_for(lambda: {m["status"] for m in show()["messages"]
                          if m["step"] == "welcome"} == {"sent"})
        messages = {(m["step"], m["channel"]): m for m in show()["messages"]}

    sms = messages[("welcome", "sms")]
    assert sms["provider_id"].startswith("SM") and len(sms["provider_id"]) == 34
    assert sms["provider_status"] == "queued"
    email = messages[("welcome", "email")]
    assert email["provider_id"].startswith("<aftercare-")
    [received] = smtp_server.received
    assert received.rcpt_tos == ["rosa@example.org"]
    assert received.message["Subject"] == email["subject"]
    assert "Rosa" in received.body("plain")
    # Everything else is still ahead, none sent early.
    later = [m for m in messages.values() if m["step"] != "welcome"]
    assert later and all(m["status"] in {"planned", "skipped"} for m in later)
    assert all(datetime.fromisoformat(m["due_at"]) > now for m in later
               if m["status"] == "planned")
