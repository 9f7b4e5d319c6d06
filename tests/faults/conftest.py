"""Fixtures for the fault tests: the stand-in, a session factory on the scratch database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from aftercare.db.session import make_engine, make_session_factory
from tests.faults.harness import redis_start
from tests.support.standin import Standin, run_standin


@pytest.fixture
def standin() -> Iterator[Standin]:
    with run_standin() as running:
        yield running


@pytest.fixture
def sessions(pg_db: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(pg_db)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def redis_restored() -> Iterator[None]:
    """Whatever a test did to Redis, it is answering again afterwards."""
    try:
        yield
    finally:
        redis_start()
