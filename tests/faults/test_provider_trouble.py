"""The provider misbehaves: it refuses with 429 and 500 for a while, or answers so slowly
that a claimed batch outlasts the sending timeout. Backoff, reconciliation and the claim
checks still get every message out exactly once."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from aftercare.db.models import Message
from tests.faults.harness import all_sent, cluster, record, tally, wait_until
from tests.support.factories import add_due_messages
from tests.support.standin import Standin

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.timeout(120)]


def test_429_then_500_backoff_then_all_sent_once(
        pg_db: str, sessions: sessionmaker[Session], standin: Standin, tmp_path: Path) -> None:
    ids = add_due_messages(sessions, count=500, patients=100,
                           due_at=datetime.now(UTC) - timedelta(minutes=1))
    standin.fault(429, count=150)  # Twilio's 20429: too many requests
    started = time.monotonic()
    with cluster(tmp_path, pg_db, standin) as c:
        c.worker("worker", concurrency=4)
        c.beat("beat")
        wait_until(lambda: standin.stats()["rejected"] >= 150, timeout=40,
                   what="the 429s to be used up", procs=c.procs)
        wait_until(lambda: standin.accepted() >= 50, timeout=30, what="sends to resume",
                   procs=c.procs)
        standin.fault(500, seconds=2.0)  # then an outage: every create fails for 2 s
        wait_until(lambda: all_sent(sessions, ids), timeout=60, what="every message sent",
                   procs=c.procs)
        time.sleep(1.0)
    rejected = standin.stats()["rejected"]
    with sessions() as session:
        retried = session.scalar(select(func.count()).where(Message.id.in_(ids),
                                                            Message.attempts > 1))
    result = tally(sessions, ids, standin)
    record(f"429 x150 then 500 for 2 s ({rejected} refused, {retried} messages retried)",
           result, time.monotonic() - started)
    assert retried and retried >= 100  # the refusals really were retried, with backoff
    assert (result.sent, result.duplicated, result.lost) == (500, 0, 0)


def test_slow_provider_batch_outlasts_sending_timeout(
        pg_db: str, sessions: sessionmaker[Session], standin: Standin, tmp_path: Path) -> None:
    """Each create takes 120 ms and a dispatcher sends one at a time, so a claimed batch of
    50 takes ~6 s to send, longer than the 4 s sending timeout: reconciliation takes over the
    batch's unsent tail while the first dispatcher is still working through it. Neither may
    send what the other does."""
    ids = add_due_messages(sessions, count=100, patients=50,
                           due_at=datetime.now(UTC) - timedelta(minutes=1))
    standin.fault(0, latency_ms=120)
    started = time.monotonic()
    with cluster(tmp_path, pg_db, standin, AFTERCARE_DISPATCH_SEND_CONCURRENCY="1") as c:
        worker = c.worker("worker", concurrency=4)
        c.beat("beat")
        wait_until(lambda: all_sent(sessions, ids), timeout=90, what="every message sent",
                   procs=c.procs)
        time.sleep(1.0)
    # The dispatch task's report: claims found taken over just before the provider call.
    superseded = sum(int(n) for n in re.findall(r"'superseded': (\d+)",
                                                 worker.log.read_text(errors="replace")))
    result = tally(sessions, ids, standin)
    record(f"slow provider, batch outlasts the sending timeout ({superseded} claims "
           "superseded)", result, time.monotonic() - started)
    assert superseded > 0, "the race this test is about did not happen"
    assert (result.sent, result.duplicated, result.lost) == (100, 0, 0)
