"""The real components a benchmark runs against, started for one run and always stopped.

- a scratch PostgreSQL database (created from the server's `test` database, migrated with the
  same Alembic code as `aftercare db upgrade`, dropped at the end);
- a dedicated Redis DB number (emptied at start and end) and unique Celery queue names;
- subprocesses: `python -m aftercare api|worker|beat`, the Twilio stand-in, the naive worker,
  each in its own session so Ctrl-C reaches the runner only, and the runner stops them all
  (SIGTERM, then SIGKILL) by their process-group id in a `finally`.
Traffic stays on 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
import redis
from sqlalchemy import Engine, create_engine, text

from aftercare.db.migrate import upgrade
from bench.progress import say

REPO = Path(__file__).resolve().parents[1]
PG_SERVER = os.environ.get("BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
REDIS_SERVER = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379")
ACCOUNT_SID = "AC" + "b" * 32
AUTH_TOKEN = "bench-auth-token"
FROM_NUMBER = "+15017122661"
PUBLIC_URL = "https://clinic.example.org"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants (prefork children), in MB."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo.extend(children.get(p, []))
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


@dataclass
class Processes:
    """Every process the run started; `stop_all` ends them, newest first."""

    logs: Path
    started: list[Proc] = field(default_factory=list)

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> Proc:
        log = self.logs / f"{name}-{len(self.started)}.log"
        handle = open(log, "wb")  # noqa: SIM115 (the child keeps it)
        popen = subprocess.Popen(argv, env=env, cwd=REPO, stdout=handle, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL, start_new_session=True)
        handle.close()
        proc = Proc(name, popen, log)
        self.started.append(proc)
        return proc

    def stop(self, proc: Proc, *, grace: float = 10.0, hard: bool = False) -> None:
        """SIGTERM (or SIGKILL when `hard`) to the child's own process group, then wait."""
        if proc.alive():
            self._signal(proc, signal.SIGKILL if hard else signal.SIGTERM)
            try:
                proc.popen.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self._signal(proc, signal.SIGKILL)
                proc.popen.wait(timeout=10)
        # Prefork children or a reloader may outlive the leader: end the group too.
        self._signal(proc, signal.SIGKILL)
        if proc in self.started:
            self.started.remove(proc)

    def stop_all(self) -> None:
        for proc in reversed(list(self.started)):
            self.stop(proc, grace=5.0)

    @staticmethod
    def _signal(proc: Proc, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, sig)  # the group id is the child's pid (start_new_session)


def wait_until(check: Callable[[], bool], *, timeout: float, what: str,
               proc: Proc | None = None, every: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and not proc.alive():
            raise RuntimeError(f"{proc.name} exited while waiting for {what}:\n{proc.log_tail()}")
        try:
            if check():
                return
        except Exception:  # not up yet
            pass
        time.sleep(every)
    tail = f"\n{proc.log_tail()}" if proc is not None else ""
    raise RuntimeError(f"timed out after {timeout:.0f}s waiting for {what}{tail}")


class Stack:
    """One benchmark run's database, Redis DB, settings and processes."""

    def __init__(self, *, redis_db: int, pool: str, concurrency: int) -> None:
        self.tag = uuid.uuid4().hex[:8]
        self.workdir = Path(tempfile.mkdtemp(prefix=f"aftercare-bench-{self.tag}-"))
        self.processes = Processes(self.workdir)
        self.db_name = f"aftercare_bench_{self.tag}"
        self.db_url = f"{PG_SERVER}/{self.db_name}"
        self.redis_url = f"{REDIS_SERVER}/{redis_db}"
        self.queue = f"aftercare-bench-{self.tag}"
        self.pool, self.concurrency = pool, concurrency
        # The interpreter that runs the service's processes: this checkout's, or with
        # `--before`, another checkout's venv (its own code, the same benchmark).
        self.python = sys.executable
        self.standin_url: str | None = None
        self._admin = create_engine(f"{PG_SERVER}/test", isolation_level="AUTOCOMMIT")
        self.engine: Engine | None = None
        self.redis = redis.Redis.from_url(self.redis_url)

    # -- lifecycle ------------------------------------------------------------------------
    def open(self) -> Stack:
        self.redis.ping()
        self.redis.flushdb()  # the bench's own DB number: nothing else lives there
        with self._admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.db_name}"'))
        upgrade(self.db_url)
        self.engine = create_engine(self.db_url, pool_size=4)
        return self

    def close(self, *, keep_logs: bool = False) -> None:
        self.processes.stop_all()
        if self.engine is not None:
            self.engine.dispose()
        try:
            with self._admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)'))
        finally:
            self._admin.dispose()
            with contextlib.suppress(redis.RedisError):
                self.redis.flushdb()
            if keep_logs:
                say(f"logs kept in {self.workdir}")
            else:
                shutil.rmtree(self.workdir, ignore_errors=True)

    @property
    def db(self) -> Engine:
        assert self.engine is not None, "Stack.open() first"
        return self.engine

    def reset(self) -> None:
        """Between benchmarks: empty every table and the bench's Redis DB, so no row and no
        queued task (e.g. plan_procedure tasks a benchmark left) reaches the next one."""
        from aftercare.db.models import Base

        names = ", ".join(t.name for t in Base.metadata.sorted_tables)
        self.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        self.seed_default_location()
        self.execute("ANALYZE")
        self.redis.flushdb()

    def seed_default_location(self) -> None:
        """What migration 0011 made, as every migrated database has it."""
        from sqlalchemy import insert

        from aftercare.db.models import Location
        from aftercare.locations.store import settings_location

        with self.db.begin() as conn:
            conn.execute(insert(Location).values(**settings_location(),
                                                 created_at=datetime.now(UTC)))

    # -- settings for the service's processes ---------------------------------------------
    def env(self, **overrides: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AFTERCARE_")}
        env.update({
            "PYTHONUNBUFFERED": "1",
            "AFTERCARE_ENVIRONMENT": "test",
            "AFTERCARE_VAR_DIR": str(self.workdir / "var"),
            "AFTERCARE_DATABASE_URL": self.db_url,
            "AFTERCARE_BROKER_URL": self.redis_url,
            "AFTERCARE_REDIS_URL": self.redis_url,
            "AFTERCARE_CELERY_QUEUE": self.queue,
            "AFTERCARE_SCHEDULES_DIR": str(REPO / "schedules"),
            "AFTERCARE_PUBLIC_BASE_URL": PUBLIC_URL,
            "AFTERCARE_TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "AFTERCARE_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "AFTERCARE_TWILIO_FROM_NUMBER": FROM_NUMBER,
            "AFTERCARE_EMAIL_CHANNEL": "console",
            # Our pipeline's own capacity: no per-sender pacing (Twilio's 1 SMS/s for one
            # long code is a provider limit, met with a Messaging Service's number pool).
            "AFTERCARE_SMS_RATE_PER_SECOND": "0",
        })
        if self.standin_url:
            env["AFTERCARE_SMS_CHANNEL"] = "twilio"
            env["AFTERCARE_TWILIO_API_BASE_URL"] = self.standin_url
        env.update(overrides)
        return env

    # -- the service's processes ----------------------------------------------------------
    def start_api(self, *, workers: int = 1) -> tuple[Proc, str]:
        """`python -m aftercare api` with `workers` uvicorn processes (one per core in
        production)."""
        port = free_port()
        proc = self.processes.start("api", [self.python, "-m", "aftercare", "api",
                                            "--host", "127.0.0.1", "--port", str(port),
                                            "--workers", str(workers)],
                                    self.env())
        base = f"http://127.0.0.1:{port}"
        wait_until(lambda: httpx.get(f"{base}/healthz", timeout=1).status_code == 200,
                   timeout=60, what="the API", proc=proc)
        return proc, base

    def start_worker(self, *, visibility_timeout: int | None = None, **env: str) -> Proc:
        """`python -m aftercare worker`; with `visibility_timeout`, the same worker through
        bench.ourworker, which only lowers the broker's visibility timeout."""
        args = [f"--pool={self.pool}", f"--concurrency={self.concurrency}", "--loglevel=INFO"]
        if visibility_timeout is None:
            argv = [self.python, "-m", "aftercare", "worker", *args]
        else:
            argv = [self.python, "-m", "bench.ourworker",
                    f"--visibility-timeout={visibility_timeout}", *args]
        proc = self.processes.start("worker", argv, self.env(**env))
        wait_until(lambda: " ready." in proc.log.read_text(errors="replace"), timeout=60,
                   what="the worker", proc=proc)
        return proc

    def start_beat(self) -> Proc:
        proc = self.processes.start("beat", [self.python, "-m", "aftercare", "beat",
                                             "--loglevel=INFO"], self.env())
        wait_until(lambda: "beat: Starting" in proc.log.read_text(errors="replace"), timeout=30,
                   what="beat", proc=proc)
        return proc

    # -- helpers --------------------------------------------------------------------------
    def scalar(self, sql: str, **params: object) -> int:
        with self.db.connect() as conn:
            return int(conn.execute(text(sql), params).scalar() or 0)

    def execute(self, sql: str, **params: object) -> None:
        with self.db.begin() as conn:
            conn.execute(text(sql), params)

    def create_token(self, role: str) -> str:
        from sqlalchemy.orm import Session

        from aftercare.auth.tokens import create_token

        with Session(self.db) as session, session.begin():
            return create_token(session, name=f"bench-{role}", role=role)  # type: ignore[arg-type]
