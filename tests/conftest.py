"""Shared fixtures: settings, migrated databases (SQLite and the local PostgreSQL), containers.

PostgreSQL: one scratch database per test session, created from the server's `test` database
and migrated with the same Alembic code as `aftercare db upgrade`; tables are emptied after
each test so tests stay independent.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, insert, text

from aftercare.bootstrap import build
from aftercare.channels.base import RecordingChannel
from aftercare.container import Container
from aftercare.db.migrate import upgrade
from aftercare.db.models import Base, Location
from aftercare.locations.store import settings_location
from aftercare.queue import RecordingQueue
from aftercare.settings import Settings

REPO_ROOT = Path(__file__).resolve().parents[1]
PG_SERVER = os.environ.get("AFTERCARE_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("AFTERCARE_TEST_REDIS", "redis://127.0.0.1:6379")
# One queue per test run: Celery caches its queue declarations on the app, and parallel
# runs on the same Redis must not take each other's tasks.
CELERY_QUEUE = f"aftercare-test-{uuid.uuid4().hex[:12]}"


def make_settings(tmp_path: Path, database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "environment": "test",
        "var_dir": tmp_path / "var",
        "database_url": database_url,
        "schedules_dir": REPO_ROOT / "schedules",
        "broker_url": "memory://",
        "public_base_url": "https://clinic.example.org",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    name = f"aftercare_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(f"{PG_SERVER}/test", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = f"{PG_SERVER}/{name}"
    upgrade(url)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'aftercare.db'}"
    upgrade(url)
    return url


def _empty_tables(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        names = ", ".join(t.name for t in Base.metadata.sorted_tables)
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        # What migration 0011 made, as every database has it.
        conn.execute(insert(Location).values(**settings_location(), created_at=datetime.now(UTC)))
    engine.dispose()


@pytest.fixture
def pg_db(pg_url: str) -> Iterator[str]:
    yield pg_url
    _empty_tables(pg_url)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each test using this runs on the embedded default and on PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'aftercare.db'}"
        upgrade(url)
        yield url
    else:
        url = request.getfixturevalue("pg_url")
        yield url
        _empty_tables(url)


class FrozenClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def make_container(tmp_path: Path) -> Iterator[Callable[..., Container]]:
    built: list[Container] = []

    def make(database_url: str, **kwargs: Any) -> Container:
        settings_overrides = kwargs.pop("settings", {})
        kwargs.setdefault(
            "channels",
            {"sms": RecordingChannel("fake-sms"), "email": RecordingChannel("fake-email")},
        )
        kwargs.setdefault("queue", RecordingQueue())
        container = build(make_settings(tmp_path, database_url, **settings_overrides), **kwargs)
        built.append(container)
        return container

    yield make
    for container in built:
        container.engine.dispose()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2026, 3, 2, 15, 0, tzinfo=UTC))
