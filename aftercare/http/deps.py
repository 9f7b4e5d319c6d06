"""Dependencies that make route signatures read like prose."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from aftercare.auth.tokens import Role, allows, authenticate, usable
from aftercare.container import Container
from aftercare.db.models import ApiToken
from aftercare.locations.scope import Scope, token_scope


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


@dataclass(frozen=True)
class Caller:
    """Who is calling the API: the token (detached from its session) and the locations
    whose patients it may see and log procedures at."""

    token: ApiToken
    scope: Scope

    @property
    def name(self) -> str:
        return self.token.name

    @property
    def user_id(self) -> int | None:
        return self.token.user_id

    @property
    def role(self) -> str:
        return self.token.role


def _require(role: Role):  # type: ignore[no-untyped-def]
    async def check(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Caller:
        if credentials is None:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "missing bearer token",
                                headers={"WWW-Authenticate": "Bearer"})
        container: Container = request.app.state.container
        caller = container.token_cache.get(credentials.credentials)
        if caller is None:
            caller = await run_in_threadpool(_authenticate, container, credentials.credentials)
        if caller is None or not usable(caller.token, now=container.clock()):
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "invalid or revoked token",
                                headers={"WWW-Authenticate": "Bearer"})
        if not allows(caller.role, role):
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"needs the {role} role")
        return caller

    return check


def _authenticate(container: Container, secret: str) -> Caller | None:
    generation = container.token_cache.generation
    # Its own short transaction, so a failed request still records the token's use.
    with container.sessions() as session, session.begin():
        token = authenticate(session, secret, now=container.clock())
        if token is None:
            return None
        caller = Caller(token, token_scope(session, token))
        # Flushed first: a detached object's changes (last_used_at) are never written.
        session.flush()
        session.expunge(token)
    container.token_cache.put(secret, caller, generation=generation)
    return caller


# The caller: `.name` for the audit log, `.scope` for the locations it may see.
StaffDep = Annotated[Caller, Depends(_require("staff"))]
ClinicianDep = Annotated[Caller, Depends(_require("clinician"))]
AdminDep = Annotated[Caller, Depends(_require("admin"))]
