"""Fixtures for the browser tests: `aftercare dev` in a subprocess, on the embedded default
(SQLite, folder broker) and on a scratch PostgreSQL database; users made with the CLI;
Debian's Chromium driven by Playwright (no browser download)."""

from __future__ import annotations

import os
import secrets
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import PG_SERVER, REPO_ROOT
from tests.support.devserver import Server, dev_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = REPO_ROOT / "test-output" / "screenshots"


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
        with dev_server(tmp, env, request.param) as running:
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
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser tab (its own cookies) for each test."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def shots(server: Server) -> Any:
    """`shots(page, "name")` saves a full-page screenshot under test-output/screenshots."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page: Any, name: str, *, full_page: bool = True) -> Path:
        path = SCREENSHOTS / f"{server.name}-{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take
