"""Liveness and readiness for load balancers and orchestrators.

/healthz: the process answers (restart it if not). /readyz: it can do its job: the database
answers, the schema is the one this code expects, the broker takes tasks. 503 names what
failed, so the probe's log says what to fix. Plain `def` routes: FastAPI runs them in the
threadpool, so a slow check never blocks the event loop.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from aftercare.http.deps import ContainerDep
from aftercare.ops import checks

router = APIRouter(tags=["operations"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "a dependency is not ready"}})
def readyz(container: ContainerDep) -> JSONResponse:
    problems = {
        "database": checks.database(container.engine),
        "broker": checks.broker(container.settings),
    }
    # Without the database the migration check can only repeat the same failure.
    problems["migrations"] = (checks.migrations(container.engine)
                              if problems["database"] is None else "database not reachable")
    failed = {name: why for name, why in problems.items() if why is not None}
    body = {"status": "not ready" if failed else "ready",
            "checks": {name: problems[name] or "ok" for name in problems}}
    return JSONResponse(body, status_code=503 if failed else 200)
