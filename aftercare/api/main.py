"""The ASGI entry point for uvicorn (`aftercare api`): settings and container at start-up."""

from __future__ import annotations

from fastapi import FastAPI

from aftercare.api.app import create_app
from aftercare.bootstrap import build
from aftercare.settings import Settings


def app_from_environment() -> FastAPI:
    return create_app(build(Settings()))
