"""Counting the SQL statements a piece of work sends: the batching claims are measured."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from aftercare.bootstrap import Container


@contextmanager
def counting_statements(container: Container) -> Iterator[list[str]]:
    """The first word of every statement sent through the container's engine meanwhile."""
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement.split(None, 1)[0])

    event.listen(container.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(container.engine, "before_cursor_execute", count)
