"""Domain errors the edges map to HTTP statuses or CLI messages."""

from __future__ import annotations


class InvalidRequest(Exception):
    """Input that passed parsing but not the clinic's rules; nothing was written."""

    def __init__(self, field: tuple[str | int, ...], message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class NotFound(Exception):
    pass


class Conflict(Exception):
    pass
