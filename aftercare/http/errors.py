"""Domain errors as HTTP responses, in FastAPI's own 422 shape so clients parse one format."""

from __future__ import annotations

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from aftercare.errors import InvalidRequest, NotFound


def invalid(exc: InvalidRequest) -> HTTPException:
    return invalid_fields([(exc.field, exc.message)])


def invalid_fields(problems: list[tuple[tuple[str | int, ...], str]]) -> HTTPException:
    """Several broken rules at once (a batch): every one, so they are fixed in one go."""
    return HTTPException(422, detail=[{"loc": ["body", *field], "msg": message,
                                       "type": "value_error"} for field, message in problems])


def install_errors(app: FastAPI) -> None:
    @app.exception_handler(NotFound)
    async def _not_found(_: Request, exc: NotFound) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=404)

    @app.exception_handler(RequestValidationError)
    async def _unparsable(_: Request, exc: RequestValidationError) -> JSONResponse:
        # Where and what, never the input itself: it may be a patient's phone number, or
        # text (a lone surrogate) that cannot even be written out as UTF-8.
        return JSONResponse({"detail": [
            {"loc": list(e.get("loc", ())), "msg": _printable(str(e.get("msg", ""))),
             "type": e.get("type", "value_error")} for e in exc.errors()]}, status_code=422)

    @app.exception_handler(InvalidRequest)
    async def _invalid(_: Request, exc: InvalidRequest) -> JSONResponse:
        return JSONResponse({"detail": [{"loc": ["body", *exc.field], "msg": exc.message,
                                         "type": "value_error"}]}, status_code=422)


def _printable(text: str) -> str:
    return text.encode("utf-8", "replace").decode("utf-8")
