"""Fixtures for the browser tests: `aftercare dev` in a subprocess, on the embedded default
(SQLite, folder broker) and on a scratch PostgreSQL database; users made with the CLI;
Debian's Chromium driven by Playwright (no browser download)."""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.conftest import PG_SERVER, REPO_ROOT
from tests.support.prism import free_port

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = REPO_ROOT / "test-output" / "screenshots"
LOGS = REPO_ROOT / "test-output" / "logs"
PASSWORD = "correct horse battery"


@dataclass
class Server:
    base: str
    env: dict[str, str]
    cwd: Path
    name: str  # "sqlite" or "postgresql", for screenshot names
    log: Path

    def cli(self, *args: str, input: str | None = None) -> str:
        return subprocess.run([sys.executable, "-m", "aftercare", *args], env=self.env,
                              cwd=self.cwd, input=input, check=True, capture_output=True,
                              text=True, timeout=60, start_new_session=True).stdout

    def add_user(self, email: str, role: str, name: str = "") -> None:
        # The password prompt is hidden and asks twice; without a terminal it reads stdin.
        out = self.cli("users", "create", "--email", email, "--role", role, "--name", name,
                       input=f"{PASSWORD}\n{PASSWORD}\n")
        assert f"created {role} {email}" in out, out


@pytest.fixture(scope="module",
                params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp(f"web-{request.param}")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AFTERCARE_")}
    env.update(AFTERCARE_VAR_DIR=str(tmp / "var"),
               AFTERCARE_SCHEDULES_DIR=str(REPO_ROOT / "schedules"),
               AFTERCARE_SECRET_KEY=secrets.token_urlsafe(32),
               AFTERCARE_DISPATCH_INTERVAL_SECONDS="1")
    database = None
    if request.param == "sqlite":
        env["AFTERCARE_DATABASE_URL"] = f"sqlite:///{tmp / 'var' / 'aftercare.db'}"
    else:
        database = f"aftercare_web_{uuid.uuid4().hex[:10]}"
        with _admin_engine().connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{database}"'))
        env["AFTERCARE_DATABASE_URL"] = f"{PG_SERVER}/{database}"
    try:
        with _dev_server(tmp, env, request.param) as running:
            if database is not None:
                # `aftercare dev` migrated already; upgrading again must be a no-op.
                assert "newest migration" in running.cli("db", "upgrade")
            yield running
    finally:
        if database is not None:
            with _admin_engine().connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))


def _admin_engine() -> Any:
    return create_engine(f"{PG_SERVER}/test", isolation_level="AUTOCOMMIT")


class _dev_server:
    """`python -m aftercare dev --port N`, waited for, and stopped with its whole group."""

    def __init__(self, tmp: Path, env: dict[str, str], name: str) -> None:
        self.tmp, self.env, self.name = tmp, env, name
        self.port = free_port()
        self.log_path = tmp / "dev.log"

    def __enter__(self) -> Server:
        self.log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "aftercare", "dev", "--port", str(self.port)],
            env=self.env, cwd=self.tmp, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True)
        base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.__exit__()
                raise AssertionError(self.log_path.read_text())
            time.sleep(0.3)
        return Server(base=base, env=self.env, cwd=self.tmp, name=self.name,
                      log=self.log_path)

    def __exit__(self, *_: object) -> None:
        died = self.proc.poll()
        if died is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self.log.close()
        # Kept beside the screenshots: pytest's own tmp folders are pruned.
        LOGS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.log_path, LOGS / f"dev-{self.name}.log")
        if died is not None:
            tail = self.log_path.read_text(errors="replace")[-6000:]
            raise AssertionError(f"aftercare dev exited by itself ({died}):\n{tail}")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: `make tools` installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def shots(server: Server) -> Any:
    """`shots(page, "name")` saves a full-page screenshot under test-output/screenshots."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page: Any, name: str, *, full_page: bool = True) -> Path:
        path = SCREENSHOTS / f"{server.name}-{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take
