"""Counting the SQL statements a piece of work sends: the batching claims are measured."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from aftercare.container import Container


@contextmanager
def counting_statements(container: Container, *, engine: Any = None) -> Iterator[list[str]]:
    """The first word of every statement sent through the container's engine meanwhile (or
    through `engine`, e.g. the batch writers' on an event loop)."""
    statements: list[str] = []
    engine = engine or container.engine

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement.split(None, 1)[0])

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)

