"""The ASGI entry point for uvicorn (`aftercare api`): settings and container at start-up."""

from __future__ import annotations

import gc

from fastapi import FastAPI

from aftercare.api.app import create_app
from aftercare.bootstrap import build
from aftercare.settings import Settings


def app_from_environment() -> FastAPI:
    app = create_app(build(Settings()))
    # Everything built at start-up lives as long as the process: moved out of the
    # collector's sight, a full collection no longer walks it (measured: webhook p90 at
    # 400/s from 15 to 4 ms, p99.9 from 124 to 47 ms).
    gc.collect()
    gc.freeze()
    return app
