"""INSERT ... ON CONFLICT DO NOTHING on PostgreSQL and SQLite alike: the unique key decides
who wrote first (a webhook retried, two planners on one procedure)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_ignoring(bind: Connection | Session | str, model: Any, *unique: str) -> Any:
    """An INSERT into `model`'s table that skips rows clashing on the `unique` columns.
    `bind` is where it will run, or the dialect's name."""
    if isinstance(bind, str):
        name = bind
    else:
        name = bind.get_bind().dialect.name if isinstance(bind, Session) else bind.dialect.name
    insert = postgresql.insert if name == "postgresql" else sqlite.insert
    return insert(model).on_conflict_do_nothing(index_elements=list(unique))
