"""Replies with real parts: PostgreSQL, Redis, a Celery worker, Prism for Twilio, real SMTP.

STOP end to end: no SMS after it, email still goes, START resumes. An urgent reply: the
safety SMS goes through the official Twilio client to Prism, the clinician alert through SMTP.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from aftercare.auth.tokens import create_token
from aftercare.bootstrap import build, create_app
from aftercare.container import Container
from aftercare.db.models import Message, Reply
from aftercare.db.session import transaction
from tests.conftest import REDIS_URL, make_settings
from tests.faults.harness import REDIS_DB, cluster
from tests.support.factories import daytime_zone, patient_payload, procedure_payload
from tests.support.smtp import SmtpServer
from tests.support.webhooks import AUTH_TOKEN, PUBLIC_URL, inbound_fields, post_signed

pytestmark = [pytest.mark.prism]
ONCALL_EMAIL = "oncall@clinic.example.org"


@pytest.fixture
def live(pg_db: str, prism_url: str, smtp_server: SmtpServer, tmp_path: Path
         ) -> Iterator[tuple[Container, TestClient, dict[str, str]]]:
    """Worker and beat as real processes; the API in-process, enqueueing through Redis."""
    env = {"AFTERCARE_EMAIL_CHANNEL": "smtp", "AFTERCARE_SMTP_HOST": smtp_server.host,
           "AFTERCARE_SMTP_PORT": str(smtp_server.port),
           "AFTERCARE_EMAIL_FROM": "care@clinic.example.org",
           "AFTERCARE_ONCALL_EMAIL": ONCALL_EMAIL, "AFTERCARE_ONCALL_PHONE": "+12125550100"}
    with cluster(tmp_path, pg_db, SimpleNamespace(url=prism_url), **env) as running:  # type: ignore[arg-type]
        settings = make_settings(
            tmp_path, pg_db, broker_url=f"{REDIS_URL}/{REDIS_DB}", celery_queue=running.queue,
            twilio_auth_token=AUTH_TOKEN, public_base_url=PUBLIC_URL)
        container = build(settings)
        with transaction(container.sessions) as session:
            token = create_token(session, name="desk", role="staff")
        running.worker("worker", concurrency=2)
        running.beat("beat")
        with TestClient(create_app(container)) as client:
            yield container, client, {"Authorization": f"Bearer {token}"}
        container.engine.dispose()


def wait_for(check: Callable[[], Any], timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError("timed out waiting")


def log_procedure(client: TestClient, auth: dict[str, str], phone: str, minutes_ago: int
                  ) -> int:
    now = datetime.now(UTC)
    payload = procedure_payload(
        now - timedelta(minutes=minutes_ago),
        patient=patient_payload(phone=phone, timezone=daytime_zone(now), email="ana@example.org",
                                first_name="Ana"))
    response = client.post("/api/procedures", json=payload, headers=auth)
    assert response.status_code == 201, response.text
    procedure_id = int(response.json()["id"])
    wait_for(lambda: client.get(f"/api/procedures/{procedure_id}", headers=auth).json()["planned"])
    return procedure_id


def rows(container: Container, **where: object) -> list[Message]:
    with container.sessions() as session:
        query = select(Message).order_by(Message.id)
        for key, value in where.items():
            query = query.where(getattr(Message, key) == value)
        return list(session.scalars(query))


def test_stop_end_to_end(live: tuple[Container, TestClient, dict[str, str]],
                         smtp_server: SmtpServer) -> None:
    container, client, auth = live
    phone = "+12125550177"
    procedure_id = log_procedure(client, auth, phone, minutes_ago=5)
    wait_for(lambda: all(m.status == "sent" for m in rows(container, step="welcome")))

    response = post_signed(client, "/webhooks/twilio/sms", inbound_fields(phone, "STOP"))
    assert "no more texts" in response.text
    sms_after = [m for m in rows(container, procedure_id=procedure_id, channel="sms")
                 if m.step != "welcome"]
    assert sms_after and all(m.status == "cancelled" for m in sms_after)

    # Make everything due now: emails still go, no SMS does.
    with transaction(container.sessions) as session:
        for m in session.scalars(select(Message).where(Message.procedure_id == procedure_id,
                                                       Message.step != "welcome")):
            m.send_after = datetime.now(UTC) - timedelta(seconds=1)
    emails_before = len(smtp_server.received)
    # "sending" is not yet sent: wait for every email to finish, not merely to be claimed.
    wait_for(lambda: all(m.status not in ("planned", "sending")
                         for m in rows(container, procedure_id=procedure_id, channel="email")))
    assert len(smtp_server.received) > emails_before
    assert all(m.status == "cancelled" for m in sms_after
               for m in rows(container, id=m.id))

    post_signed(client, "/webhooks/twilio/sms", inbound_fields(phone, "START"))
    planned_again = wait_for(lambda: [m for m in rows(container, procedure_id=procedure_id,
                                                      channel="sms")
                                      if m.status in ("planned", "sent")
                                      and m.step != "welcome"])
    assert planned_again


def test_urgent_reply_safety_sms_via_twilio_and_alert_email(
        live: tuple[Container, TestClient, dict[str, str]], smtp_server: SmtpServer) -> None:
    container, client, auth = live
    phone = "+12125550188"
    log_procedure(client, auth, phone, minutes_ago=300)
    fields = inbound_fields(phone, "my calf is swollen hot and painful")
    started = time.monotonic()
    response = post_signed(client, "/webhooks/twilio/sms", fields)
    assert response.status_code == 200 and time.monotonic() - started < 2

    def safety_sent() -> list[Message]:
        return [m for m in rows(container, kind="safety") if m.status == "sent"]

    [safety] = wait_for(safety_sent)
    assert safety.provider_id and safety.provider_id.startswith("SM")  # accepted by Prism
    assert safety.patient_id is not None
    with container.sessions() as session:
        reply = session.scalars(select(Reply)).one()
        assert reply.triage == "urgent" and reply.reasons
    alert = wait_for(lambda: [r for r in smtp_server.received if ONCALL_EMAIL in r.rcpt_tos])
    assert f"/review/{reply.id}" in alert[0].body("plain")
    assert "swollen hot and painful" not in alert[0].body("plain")  # no reply text by email
