"""The API documentation in production: only for people signed in to the web app (the
schema names every route an attacker could try). Elsewhere FastAPI serves it openly."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import JSONResponse, Response

from aftercare.web.login import StaffUser

router = APIRouter(include_in_schema=False)


@router.get("/openapi.json")
def openapi(request: Request, user: StaffUser) -> Response:
    return JSONResponse(request.app.openapi())


@router.get("/docs")
def docs(request: Request, user: StaffUser) -> Response:
    return get_swagger_ui_html(openapi_url="/openapi.json", title="aftercare API")
