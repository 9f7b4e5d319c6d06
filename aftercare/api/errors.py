"""Domain errors as HTTP responses, in FastAPI's own 422 shape so clients parse one format."""

from __future__ import annotations

from fastapi import HTTPException

from aftercare.procedures.errors import InvalidRequest


def invalid(exc: InvalidRequest) -> HTTPException:
    return HTTPException(
        422,
        detail=[{"loc": ["body", *exc.field], "msg": exc.message, "type": "value_error"}],
    )
