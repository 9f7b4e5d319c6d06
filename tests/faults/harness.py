"""What the fault tests share: real `aftercare worker` / `beat` / `api` processes configured
by AFTERCARE_* variables, the Twilio stand-in, Redis restarts, and the sent/duplicated/lost
tally taken at the stand-in.

Every process gets its own session (process group) so a test can kill -9 all of it, and
every process is stopped at teardown, whatever happened.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from aftercare.db.models import Message
from tests.conftest import REDIS_URL, REPO_ROOT
from tests.support.standin import Standin
from tests.support.webhooks import AUTH_TOKEN, CLINIC_NUMBER, PUBLIC_URL

OUTPUT = REPO_ROOT / "test-output" / "faults.txt"
REDIS_DB = 6  # the fault tests' broker database; the queue name is unique per test anyway
REDIS_START = ["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "-::1",
               "--port", "6379", "--save", "", "--appendonly", "no",
               "--dir", "/var/lib/redis", "--logfile", "/var/log/redis/ci.log"]


def wait_until(check: Callable[[], Any], *, timeout: float, what: str,
               procs: list[Proc] | None = None, interval: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(interval)
    logs = "\n".join(p.tail() for p in procs or [])
    raise AssertionError(f"timed out after {timeout}s waiting for {what}\n{logs}")


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    def kill9(self) -> None:
        """kill -9 the process and its children (a prefork pool), no goodbye."""
        with suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(timeout=10)

    def stop(self, timeout: float = 15) -> None:
        if self.popen.poll() is not None:
            return
        try:
            os.killpg(self.popen.pid, signal.SIGTERM)
            self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill9()
        except ProcessLookupError:
            pass

    def tail(self, lines: int = 30) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return f"--- {self.name} ({self.log}) ---\n" + "\n".join(text.splitlines()[-lines:])


@dataclass
class Cluster:
    """The service's processes for one test, all pointed at one database and stand-in."""

    tmp: Path
    database_url: str
    standin: Standin
    queue: str = field(default_factory=lambda: f"aftercare-faults-{uuid.uuid4().hex[:10]}")
    extra_env: dict[str, str] = field(default_factory=dict)
    procs: list[Proc] = field(default_factory=list)

    def env(self, name: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AFTERCARE_")}
        env.update({
            "AFTERCARE_ENVIRONMENT": "test",
            "AFTERCARE_DATABASE_URL": self.database_url,
            "AFTERCARE_BROKER_URL": f"{REDIS_URL}/{REDIS_DB}",
            "AFTERCARE_CELERY_QUEUE": self.queue,
            "AFTERCARE_VAR_DIR": str(self.tmp / f"var-{name}"),
            "AFTERCARE_SCHEDULES_DIR": str(REPO_ROOT / "schedules"),
            "AFTERCARE_SMS_CHANNEL": "twilio",
            "AFTERCARE_TWILIO_ACCOUNT_SID": "AC" + "a" * 32,
            "AFTERCARE_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "AFTERCARE_TWILIO_FROM_NUMBER": CLINIC_NUMBER,
            "AFTERCARE_TWILIO_API_BASE_URL": self.standin.url,
            "AFTERCARE_PUBLIC_BASE_URL": PUBLIC_URL,
            # Fast enough for a test: ticks every half second, reconciliation of rows stuck
            # in "sending" after 4 s, retries after a fraction of a second.
            "AFTERCARE_DISPATCH_INTERVAL_SECONDS": "0.5",
            "AFTERCARE_DISPATCH_BATCH_SIZE": "50",
            "AFTERCARE_SENDING_TIMEOUT_SECONDS": "4",
            "AFTERCARE_RECONCILE_INTERVAL_SECONDS": "1",
            "AFTERCARE_RETRY_BASE_SECONDS": "0.3",
            "AFTERCARE_RETRY_MAX_SECONDS": "2",
            "AFTERCARE_MAX_SEND_ATTEMPTS": "40",
            "AFTERCARE_SMS_RATE_PER_SECOND": "0",
            "AFTERCARE_LOG_FORMAT": "json",
        })
        env.update(self.extra_env)
        return env

    def start(self, name: str, *args: str) -> Proc:
        log = self.tmp / f"{name}.log"
        (self.tmp / f"var-{name}").mkdir(parents=True, exist_ok=True)
        popen = subprocess.Popen(
            [sys.executable, "-m", "aftercare", *args], env=self.env(name),
            cwd=self.tmp,  # no stray .env from the repository
            stdin=subprocess.DEVNULL, stdout=log.open("wb"), stderr=subprocess.STDOUT,
            start_new_session=True)
        proc = Proc(name, popen, log)
        self.procs.append(proc)
        return proc

    def worker(self, name: str, *, pool: str = "threads", concurrency: int = 4) -> Proc:
        return self.start(name, "worker", f"--pool={pool}", f"--concurrency={concurrency}")

    def beat(self, name: str) -> Proc:
        return self.start(name, "beat")

    def stop_all(self) -> None:
        for proc in self.procs:
            proc.stop(timeout=10)


@contextmanager
def cluster(tmp: Path, database_url: str, standin: Standin, **extra_env: str
            ) -> Iterator[Cluster]:
    running = Cluster(tmp, database_url, standin, extra_env=extra_env)
    try:
        yield running
    finally:
        running.stop_all()


# --- Redis ------------------------------------------------------------------------------


def redis_up() -> bool:
    result = subprocess.run(["redis-cli", "-h", "127.0.0.1", "ping"], capture_output=True,
                            text=True, timeout=5)
    return result.stdout.strip() == "PONG"


def redis_shutdown() -> None:
    subprocess.run(["redis-cli", "-h", "127.0.0.1", "shutdown", "nosave"],
                   capture_output=True, timeout=10)
    wait_until(lambda: not redis_up(), timeout=10, what="Redis to stop")


def redis_start() -> None:
    if redis_up():
        return
    subprocess.run(REDIS_START, check=True, capture_output=True, timeout=10)
    wait_until(redis_up, timeout=10, what="Redis to start")


# --- the tally --------------------------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    expected: int
    sent: int  # expected messages the stand-in accepted at least once
    duplicated: int  # extra acceptances beyond one per message
    lost: int  # expected messages the stand-in never got

    def line(self, name: str, seconds: float) -> str:
        return (f"{name}: sent={self.sent} duplicated={self.duplicated} lost={self.lost} "
                f"(expected {self.expected}, {seconds:.1f}s)")


def tally(sessions: sessionmaker[Session], ids: list[int], standin: Standin) -> Tally:
    with sessions() as session:
        rows = session.execute(select(Message.id, Message.body, Message.patient_id,
                                      Message.to_address).where(Message.id.in_(ids))).all()
        phones = _phones(session, {r.patient_id for r in rows})
    accepted = standin.per_to_body()
    expected = {(r.to_address or phones[r.patient_id], r.body) for r in rows}
    assert len(expected) == len(ids), "each test message must have a distinct (to, body)"
    counts = [accepted.get(key, 0) for key in expected]
    unexpected = sum(n for key, n in accepted.items() if key not in expected)
    return Tally(expected=len(expected), sent=sum(1 for n in counts if n > 0),
                 duplicated=sum(max(n - 1, 0) for n in counts) + unexpected,
                 lost=sum(1 for n in counts if n == 0))


def _phones(session: Session, patient_ids: set[int]) -> dict[int, str]:
    from aftercare.db.models import Patient

    rows = session.execute(select(Patient.id, Patient.phone).where(Patient.id.in_(patient_ids)))
    return {patient_id: phone for patient_id, phone in rows}


def statuses(sessions: sessionmaker[Session], ids: list[int]) -> dict[str, int]:
    from collections import Counter

    with sessions() as session:
        return dict(Counter(session.scalars(select(Message.status)
                                            .where(Message.id.in_(ids))).all()))


def all_sent(sessions: sessionmaker[Session], ids: list[int]) -> bool:
    return statuses(sessions, ids) == {"sent": len(ids)}


def record(name: str, result: Tally, seconds: float) -> None:
    """Print the figures (pytest -s shows them) and keep them in test-output/faults.txt."""
    line = result.line(name, seconds)
    print(line)
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    with OUTPUT.open("a") as f:
        f.write(line + "\n")
