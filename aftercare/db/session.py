"""Engine and session factory, built from Settings when a process starts (never at import),
and the edge's transaction with work to do once it has committed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, sessionmaker


class AppSession(Session):
    """A session that runs `after_commit` work (below) once its transaction commits."""


def make_engine(database_url: str, **kwargs: Any) -> Engine:
    # A failed statement's exception quotes its parameters (message bodies, phones, names)
    # and ends up in logs: keep them out of the exception text.
    kwargs.setdefault("hide_parameters", True)
    if database_url.startswith("sqlite"):
        engine = create_engine(
            database_url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    # Times come back in UTC whatever the server's TimeZone: a stored year-1 date shown in a
    # zone west of Greenwich would fall before year 1, which Python cannot hold.
    kwargs.setdefault("connect_args", {"options": "-c timezone=UTC"})
    # Enough kept-open connections for the API's thread pool and a worker's send threads:
    # past pool_size SQLAlchemy opens overflow connections and closes them after each use,
    # and a PostgreSQL connection costs milliseconds to open.
    kwargs.setdefault("pool_size", 20)
    kwargs.setdefault("max_overflow", 20)
    return create_engine(database_url, **kwargs)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # WAL lets the API read while the worker writes; busy_timeout waits for locks.
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, class_=AppSession, expire_on_commit=False)


def make_async_session_factory(engine: Engine) -> async_sessionmaker[AsyncSession]:
    """The same database for code on the event loop (db/batch_writer.py), through
    SQLAlchemy's asyncio extension; sessions run the same sync service code (`run_sync`)."""
    url = engine.url
    if url.get_backend_name() == "sqlite":
        url = url.set(drivername="sqlite+aiosqlite")
        async_engine = create_async_engine(url, hide_parameters=True,
                                           connect_args={"timeout": 30})
        event.listen(async_engine.sync_engine, "connect", _sqlite_pragmas)
    else:
        async_engine = create_async_engine(url, hide_parameters=True, pool_pre_ping=True,
                                           pool_size=5, max_overflow=5,
                                           connect_args={"options": "-c timezone=UTC"})
    return async_sessionmaker(async_engine, sync_session_class=AppSession,
                              expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """The edge owns the transaction: commit on success, roll back on error."""
    with factory() as session, session.begin():
        yield session


def after_commit(session: Session, work: Callable[[], None]) -> None:
    """Do `work` once this session's transaction has committed; never if it rolls back.

    Enqueueing a task before the commit lets the worker look for rows not there yet.
    """
    pending: list[Callable[[], None]] = session.info.setdefault("after_commit", [])
    if work not in pending:  # a wake-up asked for twice in one transaction goes once
        pending.append(work)


@event.listens_for(AppSession, "after_commit")
def _run_after_commit(session: Session) -> None:
    for work in session.info.pop("after_commit", []):
        work()


@event.listens_for(AppSession, "after_soft_rollback")
def _forget_after_commit(session: Session, previous_transaction: Any) -> None:
    if previous_transaction.parent is None:  # the whole transaction, not a savepoint
        session.info.pop("after_commit", None)
