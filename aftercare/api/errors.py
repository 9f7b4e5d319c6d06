"""Domain errors as HTTP responses, in FastAPI's own 422 shape so clients parse one format."""

from __future__ import annotations

from fastapi import HTTPException

from aftercare.procedures.errors import InvalidRequest


def invalid(exc: InvalidRequest) -> HTTPException:
    return invalid_fields([(exc.field, exc.message)])


def invalid_fields(problems: list[tuple[tuple[str | int, ...], str]]) -> HTTPException:
    """Several broken rules at once (a batch): every one, so they are fixed in one go."""
    return HTTPException(422, detail=[{"loc": ["body", *field], "msg": message,
                                       "type": "value_error"} for field, message in problems])
