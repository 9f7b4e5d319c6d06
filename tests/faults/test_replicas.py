"""Beat stopped mid-dispatch and replaced by two beat replicas, with a second worker: the
claims, not the schedule, decide who sends, so each message still goes exactly once."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.faults.harness import all_sent, cluster, record, tally, wait_until
from tests.support.factories import add_due_messages
from tests.support.standin import Standin

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.timeout(120)]
COUNT = 1000


def test_beat_replaced_by_two_replicas_and_two_workers(
        pg_db: str, sessions: sessionmaker[Session], standin: Standin, tmp_path: Path) -> None:
    ids = add_due_messages(sessions, count=COUNT, patients=100,
                           due_at=datetime.now(UTC) - timedelta(minutes=1))
    standin.fault(0, latency_ms=20)
    started = time.monotonic()
    # Paced so that beat is replaced while most are still to send.
    with cluster(tmp_path, pg_db, standin, AFTERCARE_DISPATCH_SEND_CONCURRENCY="4") as c:
        c.worker("worker-1", concurrency=4)
        first_beat = c.beat("beat-1")
        wait_until(lambda: standin.accepted() >= 100, timeout=40, what="sends to start",
                   procs=c.procs)
        first_beat.stop()
        at_switch = standin.accepted()
        # Two schedulers ticking at once (each with its own schedule file, as two hosts
        # would have) and a second worker, prefork this time.
        c.beat("beat-2")
        c.beat("beat-3")
        c.worker("worker-2", pool="prefork", concurrency=3)
        wait_until(lambda: all_sent(sessions, ids), timeout=60, what="every message sent",
                   procs=c.procs)
        time.sleep(1.0)
    result = tally(sessions, ids, standin)
    record(f"beat stopped, two beat replicas and two workers ({at_switch} sent before)",
           result, time.monotonic() - started)
    assert at_switch < COUNT // 2
    assert (result.sent, result.duplicated, result.lost) == (COUNT, 0, 0)
