"""Checks of what the service depends on, shared by /readyz and `aftercare doctor`.

Each returns None when all is well, or a sentence saying what is wrong (never a secret).
"""

from __future__ import annotations

import smtplib
from datetime import datetime
from functools import lru_cache

from sqlalchemy import Engine, text

from aftercare.settings import Settings

CONNECT_TIMEOUT_SECONDS = 3.0


def database(engine: Engine) -> str | None:
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        return f"cannot reach the database: {type(exc).__name__}"
    return None


@lru_cache(maxsize=8)
def _head(database_url: str) -> str | None:
    # The newest migration is part of the installed code: look it up once per process.
    from alembic.script import ScriptDirectory

    from aftercare.db.migrate import alembic_config

    return ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()


def migrations(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    try:
        head = _head(engine.url.render_as_string(hide_password=False))
        with engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
    except Exception as exc:
        return f"cannot read the migration version: {type(exc).__name__}"
    if current != head:
        return f"database at migration {current or 'none'}, code expects {head}: " \
               "run `aftercare db upgrade`"
    return None


def broker(settings: Settings) -> str | None:
    url = settings.broker_url
    if url.startswith("filesystem://"):
        # The embedded broker is a folder the service creates at start; it must be writable.
        folder = settings.broker_folder / "in"
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            return f"cannot create the broker folder {folder}: {exc.strerror}"
        return None
    if url.startswith("memory://"):
        return None
    from kombu import Connection

    try:
        with Connection(url, connect_timeout=CONNECT_TIMEOUT_SECONDS) as conn:
            conn.ensure_connection(max_retries=1, timeout=CONNECT_TIMEOUT_SECONDS)
    except Exception as exc:
        return f"cannot reach the Celery broker: {type(exc).__name__}"
    return None


def redis(url: str) -> str | None:
    import redis as redis_client

    try:
        client = redis_client.Redis.from_url(url, socket_timeout=CONNECT_TIMEOUT_SECONDS,
                                             socket_connect_timeout=CONNECT_TIMEOUT_SECONDS)
        client.ping()
        client.close()
    except Exception as exc:
        return f"cannot reach Redis: {type(exc).__name__}"
    return None


def smtp(settings: Settings) -> str | None:
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port,
                          timeout=CONNECT_TIMEOUT_SECONDS) as server:
            server.ehlo()
            if settings.smtp_starttls:
                server.starttls()
                server.ehlo()
            if settings.smtp_username:
                server.login(settings.smtp_username, settings.smtp_password.get_secret_value())
            server.noop()
    except smtplib.SMTPAuthenticationError:
        return "the SMTP server refused AFTERCARE_SMTP_USERNAME / _PASSWORD"
    except (OSError, smtplib.SMTPException) as exc:
        return (f"cannot talk to SMTP at {settings.smtp_host}:{settings.smtp_port}: "
                f"{type(exc).__name__}: {exc}")
    return None


def stuck(engine: Engine, *, now: datetime) -> list[tuple[str, str]]:
    """(what is stuck, what to do) for rows set aside or procedures left unplanned."""
    from sqlalchemy.orm import Session

    from aftercare.observability.stuck import stuck_work

    with Session(engine) as session:
        return stuck_work(session, now=now, totals=False).problems()
