"""A worker killed mid-dispatch, Redis restarted, PostgreSQL connections dropped: every due
message still reaches the provider exactly once (counted at the Twilio stand-in).

Each test prints `name: sent=N duplicated=N lost=N` and appends it to
test-output/faults.txt.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import PG_SERVER
from tests.faults.harness import (
    all_sent,
    cluster,
    record,
    redis_shutdown,
    redis_start,
    statuses,
    tally,
    wait_until,
)
from tests.support.factories import add_due_messages
from tests.support.standin import Standin

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.timeout(120)]

COUNT = 500
PATIENTS = 100  # five messages each: a patient's few recent texts, as reconciliation expects


def due_messages(sessions: sessionmaker[Session]) -> list[int]:
    return add_due_messages(sessions, count=COUNT, patients=PATIENTS,
                            due_at=datetime.now(UTC) - timedelta(minutes=1))


@pytest.mark.parametrize("pool", ["threads", "prefork"])
def test_worker_killed_mid_dispatch(pool: str, pg_db: str, sessions: sessionmaker[Session],
                                    standin: Standin, tmp_path: Path) -> None:
    ids = due_messages(sessions)
    standin.fault(0, latency_ms=10)  # slow enough that the kill lands mid-batch
    started = time.monotonic()
    with cluster(tmp_path, pg_db, standin) as c:
        first = c.worker("worker-1", pool=pool)
        c.beat("beat")
        wait_until(lambda: standin.accepted() >= 120, timeout=40, what="sends to start",
                   procs=c.procs)
        first.kill9()
        at_kill = dict(statuses(sessions, ids))
        assert at_kill.get("sending", 0) > 0, f"the kill missed the dispatch: {at_kill}"
        c.worker("worker-2", pool=pool)
        wait_until(lambda: all_sent(sessions, ids), timeout=60, what="every message sent",
                   procs=c.procs)
        time.sleep(1.0)  # a late duplicate would show up here
    result = tally(sessions, ids, standin)
    record(f"kill -9 worker ({pool}, {at_kill.get('sending', 0)} in sending at the kill)",
           result, time.monotonic() - started)
    assert (result.sent, result.duplicated, result.lost) == (COUNT, 0, 0)


def test_redis_restarted_during_dispatch(pg_db: str, sessions: sessionmaker[Session],
                                         standin: Standin, tmp_path: Path,
                                         redis_restored: None) -> None:
    ids = due_messages(sessions)
    standin.fault(0, latency_ms=10)
    started = time.monotonic()
    with cluster(tmp_path, pg_db, standin) as c:
        c.worker("worker", concurrency=4)
        c.beat("beat")
        wait_until(lambda: standin.accepted() >= 100, timeout=40, what="sends to start",
                   procs=c.procs)
        redis_shutdown()
        at_outage = standin.accepted()
        time.sleep(2.0)
        redis_start()
        wait_until(lambda: all_sent(sessions, ids), timeout=90, what="every message sent",
                   procs=c.procs)
        time.sleep(1.0)
    result = tally(sessions, ids, standin)
    record(f"redis restarted mid-dispatch ({at_outage} sent before the outage)", result,
           time.monotonic() - started)
    assert at_outage < COUNT, "Redis went down after the dispatch had finished"
    assert (result.sent, result.duplicated, result.lost) == (COUNT, 0, 0)


def test_postgres_connections_dropped_during_dispatch(
        pg_db: str, sessions: sessionmaker[Session], standin: Standin, tmp_path: Path) -> None:
    ids = due_messages(sessions)
    standin.fault(0, latency_ms=10)
    database = make_url(pg_db).database
    admin = create_engine(f"{PG_SERVER}/test", isolation_level="AUTOCOMMIT")
    started = time.monotonic()
    dropped = 0
    try:
        with cluster(tmp_path, pg_db, standin) as c:
            c.worker("worker", concurrency=4)
            c.beat("beat")
            wait_until(lambda: standin.accepted() >= 60, timeout=40, what="sends to start",
                       procs=c.procs)
            at_first_drop = standin.accepted()
            for _ in range(4):  # several times, a moment apart, mid-flight each time
                with admin.connect() as conn:
                    dropped += len(conn.execute(text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = :db AND pid <> pg_backend_pid()"),
                        {"db": database}).all())
                time.sleep(0.4)
            wait_until(lambda: all_sent(sessions, ids), timeout=60, what="every message sent",
                       procs=c.procs)
            time.sleep(1.0)
    finally:
        admin.dispose()
    result = tally(sessions, ids, standin)
    record(f"postgres connections dropped ({dropped} backends terminated)", result,
           time.monotonic() - started)
    assert dropped > 0 and at_first_drop < COUNT
    assert (result.sent, result.duplicated, result.lost) == (COUNT, 0, 0)
