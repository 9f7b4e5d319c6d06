"""Dependencies that make route signatures read like prose."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from aftercare.auth.tokens import Role, allows, authenticate, usable
from aftercare.container import Container
from aftercare.db.models import ApiToken


async def get_container(request: Request) -> Container:
    # async: FastAPI runs a plain `def` dependency in its thread pool, and the hop cost
    # more than the attribute lookup.
    return request.app.state.container  # type: ignore[no-any-return]


ContainerDep = Annotated[Container, Depends(get_container)]


def get_session(container: ContainerDep) -> Iterator[Session]:
    """One transaction per request: committed when the route returns without error, rolled
    back when it raises; work a service left for after the commit (a wake-up for the
    worker) runs then, before the response goes out."""
    with container.sessions() as session:
        yield session
        session.commit()


# scope="function": committed before the response is sent. FastAPI's default ("request")
# sends the response first, so a client could be told 201 for a write whose commit then
# failed, and a browser following a redirect could read the page before the write landed.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]

# A row id in a path: PostgreSQL's integer ids stop at 2**31 - 1, and a larger number would
# reach the driver and fail there (a 500) instead of being refused here (a 422).
RowId = Annotated[int, Path(ge=1, le=2**31 - 1)]

_bearer = HTTPBearer(auto_error=False)


def _require(role: Role):  # type: ignore[no-untyped-def]
    async def check(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> ApiToken:
        if credentials is None:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "missing bearer token",
                                headers={"WWW-Authenticate": "Bearer"})
        container: Container = request.app.state.container
        token = container.token_cache.get(credentials.credentials)
        if token is None:
            token = await run_in_threadpool(_authenticate, container, credentials.credentials)
        if token is None or not usable(token, now=container.clock()):
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "invalid or revoked token",
                                headers={"WWW-Authenticate": "Bearer"})
        if not allows(token.role, role):
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"needs the {role} role")
        return token

    return check


def _authenticate(container: Container, secret: str) -> ApiToken | None:
    generation = container.token_cache.generation
    # Its own short transaction, so a failed request still records the token's use.
    with container.sessions() as session, session.begin():
        token = authenticate(session, secret, now=container.clock())
        if token is None:
            return None
        # Flushed first: a detached object's changes (last_used_at) are never written.
        session.flush()
        session.expunge(token)
    container.token_cache.put(secret, token, generation=generation)
    return token


StaffDep = Annotated[ApiToken, Depends(_require("staff"))]
ClinicianDep = Annotated[ApiToken, Depends(_require("clinician"))]
AdminDep = Annotated[ApiToken, Depends(_require("admin"))]
