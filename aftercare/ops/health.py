"""Liveness and readiness for load balancers and orchestrators.

/healthz: the process answers (restart it if not). /readyz: it can do its job: the database
answers, the schema is the one this code expects, the broker takes tasks. 503 names what
failed, so the probe's log says what to fix. Work that is stuck (rows set aside, procedures
left unplanned) is listed under "warnings" with a 200. Plain `def` routes: FastAPI runs
them in the threadpool, so a slow check never blocks the event loop.
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
    body: dict[str, object] = {"status": "not ready" if failed else "ready",
                               "checks": {name: problems[name] or "ok" for name in problems}}
    if not failed:
        # Stuck work is named but does not fail the probe: taking this process out of
        # service would not move it, and would stop everything else.
        stuck = checks.stuck(container.engine, now=container.clock())
        if stuck:
            body["warnings"] = {"work": [f"{what}: {fix}" for what, fix in stuck]}
    return JSONResponse(body, status_code=503 if failed else 200)
