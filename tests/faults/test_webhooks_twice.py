"""Twilio retries webhooks (a timeout, a 5xx on the way): the same inbound SMS and the same
status callback, delivered twice at once and once more later, are recorded once."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from aftercare.db.models import DeliveryEvent, Message, Patient, Reply, ReplyReading
from tests.faults.harness import Tally, all_sent, cluster, record, wait_until
from tests.support.factories import add_due_messages
from tests.support.prism import free_port
from tests.support.standin import Standin
from tests.support.webhooks import inbound_fields, signature

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.timeout(120)]


def deliver(api: httpx.Client, path: str, fields: dict[str, str], times: int) -> list[int]:
    """The same signed request `times` times at once, as Twilio's retry racing the first."""
    headers = {"X-Twilio-Signature": signature(path, fields)}
    with ThreadPoolExecutor(times) as pool:
        return list(pool.map(lambda _: api.post(path, data=fields, headers=headers).status_code,
                             range(times)))


def test_inbound_and_status_callback_delivered_twice_recorded_once(
        pg_db: str, sessions: sessionmaker[Session], standin: Standin, tmp_path: Path) -> None:
    [message_id] = add_due_messages(sessions, count=1, due_at=datetime.now(UTC)
                                    - timedelta(minutes=1))
    started = time.monotonic()
    port = free_port()
    with cluster(tmp_path, pg_db, standin) as c:
        c.worker("worker", concurrency=2)
        c.beat("beat")
        c.start("api", "api", "--port", str(port))
        wait_until(lambda: all_sent(sessions, [message_id]), timeout=40, what="the send",
                   procs=c.procs)
        with sessions() as session:
            message = session.get(Message, message_id)
            assert message is not None and message.provider_id
            sid = message.provider_id
            phone = session.scalars(select(Patient.phone)).one()
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as api:
            wait_until(lambda: _up(api), timeout=40, what="the API", procs=c.procs)
            status = {"MessageSid": sid, "SmsSid": sid, "MessageStatus": "delivered",
                      "SmsStatus": "delivered", "AccountSid": "AC" + "a" * 32,
                      "From": "+15017122661", "To": phone, "ApiVersion": "2010-04-01"}
            inbound = inbound_fields(phone, "doing fine, walking every day")
            answers = deliver(api, "/webhooks/twilio/status", status, 2)
            answers += deliver(api, "/webhooks/twilio/sms", inbound, 2)
            answers += deliver(api, "/webhooks/twilio/status", status, 1)
            answers += deliver(api, "/webhooks/twilio/sms", inbound, 1)
        assert answers == [200] * 6
        # The reply is read by the worker; give it the time to (wrongly) read it twice.
        wait_until(lambda: _count(sessions, ReplyReading) >= 1, timeout=30,
                   what="the reply to be read", procs=c.procs)
        time.sleep(1.5)
    events = _count(sessions, DeliveryEvent)
    replies = _count(sessions, Reply)
    readings = _count(sessions, ReplyReading)
    with sessions() as session:
        final = session.get(Message, message_id)
        assert final is not None
    # Two webhook events, each delivered three times: each must leave exactly one record.
    result = Tally(expected=2, sent=min(events, 1) + min(replies, 1),
                   duplicated=max(events - 1, 0) + max(replies - 1, 0),
                   lost=(events == 0) + (replies == 0))
    record(f"same inbound and status callback x3 ({readings} reading(s))", result,
           time.monotonic() - started)
    assert (events, replies, readings) == (1, 1, 1)
    assert (final.status, final.provider_status) == ("delivered", "delivered")


def _up(api: httpx.Client) -> bool:
    try:
        return api.get("/healthz").status_code == 200
    except httpx.HTTPError:
        return False


def _count(sessions: sessionmaker[Session], model: type) -> int:
    with sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)
